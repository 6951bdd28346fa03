"""Probes for `summarize models check`: short news sentences per language, and one English
paragraph for summarizers.

We wrote every probe ourselves (none is taken from FLORES or other third-party text), with
its English translation. Each sentence is neutral news (a water project, a conference, a
match, a railway line) with numbers, a place or person and a date, so that the checks in
`checks` can see a lost number, an untranslated name or a loop. Arabic and Persian probes
use their own digits (٢٠٢٤, ۱۴۰۳) in some sentences and Western digits in others, as their
press does. The names of people are made up.
"""

from __future__ import annotations

# language (ISO 639-1) -> (probe, our English translation of it)
PROBES: dict[str, tuple[tuple[str, str], ...]] = {
    "de": (
        (
            "Am 14. März 2024 eröffnete Bürgermeisterin Anna Keller in Freiburg eine neue"
            " Kläranlage, die täglich 25.000 Kubikmeter Abwasser reinigen kann.",
            "On 14 March 2024, Mayor Anna Keller opened a new sewage treatment plant in Freiburg"
            " that can clean 25,000 cubic metres of wastewater a day.",
        ),
        (
            "Der FC Augsburg gewann am Samstag, dem 2. November, mit 3:1 gegen Werder Bremen;"
            " 28.500 Zuschauer waren im Stadion.",
            "FC Augsburg beat Werder Bremen 3-1 on Saturday, 2 November; 28,500 spectators were"
            " in the stadium.",
        ),
        (
            "Rund 1.200 Fachleute aus 45 Ländern werden vom 9. bis 11. Oktober 2025 zur"
            " Wasserkonferenz in Leipzig erwartet.",
            "Around 1,200 experts from 45 countries are expected at the water conference in"
            " Leipzig from 9 to 11 October 2025.",
        ),
        (
            "Die Bahnstrecke zwischen Hamburg und Berlin bleibt nach Angaben der Deutschen Bahn"
            " bis zum 30. April gesperrt; die Reparatur kostet 3,5 Millionen Euro.",
            "According to Deutsche Bahn, the railway line between Hamburg and Berlin will remain"
            " closed until 30 April; the repairs cost 3.5 million euros.",
        ),
    ),
    "fr": (
        (
            "Le 12 juin 2024, la maire de Lyon, Claire Dubois, a inauguré une station"
            " d'épuration capable de traiter 40 000 mètres cubes d'eau par jour.",
            "On 12 June 2024, the mayor of Lyon, Claire Dubois, opened a wastewater treatment"
            " plant able to treat 40,000 cubic metres of water a day.",
        ),
        (
            "L'Olympique de Marseille s'est imposé 2 à 0 face au FC Nantes samedi 5 octobre,"
            " devant 61 000 spectateurs.",
            "Olympique de Marseille beat FC Nantes 2-0 on Saturday 5 October in front of 61,000"
            " spectators.",
        ),
        (
            "Près de 3 500 chercheurs venus de 80 pays sont attendus à Toulouse du 3 au 6 mars"
            " 2025 pour un congrès sur le climat.",
            "Nearly 3,500 researchers from 80 countries are expected in Toulouse from 3 to 6"
            " March 2025 for a climate conference.",
        ),
        (
            "Selon la SNCF, la ligne entre Paris et Bordeaux restera fermée jusqu'au 15 avril ;"
            " les travaux coûtent 12 millions d'euros.",
            "According to SNCF, the line between Paris and Bordeaux will remain closed until"
            " 15 April; the works cost 12 million euros.",
        ),
    ),
    "es": (
        (
            "El 8 de mayo de 2024, el alcalde de Valencia, Jorge Martín, inauguró una planta"
            " desalinizadora que producirá 60.000 metros cúbicos de agua al día.",
            "On 8 May 2024, the mayor of Valencia, Jorge Martín, opened a desalination plant"
            " that will produce 60,000 cubic metres of water a day.",
        ),
        (
            "El Real Betis venció 3-2 al Celta de Vigo el domingo 17 de noviembre ante 52.000"
            " aficionados.",
            "Real Betis beat Celta de Vigo 3-2 on Sunday 17 November in front of 52,000 fans.",
        ),
        (
            "Unos 2.300 expertos de 60 países se reunirán en Sevilla del 21 al 23 de octubre de"
            " 2025 para hablar sobre la sequía.",
            "Some 2,300 experts from 60 countries will meet in Seville from 21 to 23 October"
            " 2025 to discuss the drought.",
        ),
        (
            "Según Adif, la línea entre Madrid y Toledo seguirá cerrada hasta el 30 de junio;"
            " las obras cuestan 4,5 millones de euros.",
            "According to Adif, the line between Madrid and Toledo will remain closed until"
            " 30 June; the works cost 4.5 million euros.",
        ),
    ),
    "it": (
        (
            "Il 20 settembre 2024 il sindaco di Bari, Marco Ferri, ha inaugurato un nuovo"
            " acquedotto che porterà 15.000 metri cubi d'acqua al giorno.",
            "On 20 September 2024, the mayor of Bari, Marco Ferri, opened a new aqueduct that"
            " will carry 15,000 cubic metres of water a day.",
        ),
        (
            "Domenica 6 ottobre l'Atalanta ha battuto il Genoa per 4 a 1 davanti a 21.000"
            " spettatori.",
            "On Sunday 6 October Atalanta beat Genoa 4-1 in front of 21,000 spectators.",
        ),
        (
            "Circa 1.300 esperti provenienti da 50 paesi parteciperanno alla conferenza"
            " sull'acqua di Torino dal 4 al 6 febbraio 2025.",
            "About 1,300 experts from 50 countries will take part in the water conference in"
            " Turin from 4 to 6 February 2025.",
        ),
    ),
    "pt": (
        (
            "No dia 10 de abril de 2024, a prefeita de Fortaleza, Ana Souza, inaugurou uma usina"
            " de dessalinização que vai produzir 80 mil metros cúbicos de água por dia.",
            "On 10 April 2024, the mayor of Fortaleza, Ana Souza, opened a desalination plant"
            " that will produce 80,000 cubic metres of water a day.",
        ),
        (
            "O Benfica venceu o Sporting de Braga por 3 a 1 no domingo, 24 de novembro, diante"
            " de 55 mil adeptos.",
            "Benfica beat Sporting de Braga 3-1 on Sunday, 24 November, in front of 55,000 fans.",
        ),
        (
            "Cerca de 2.000 especialistas de 70 países vão reunir-se em Lisboa entre 7 e 9 de"
            " maio de 2025 para debater a seca.",
            "Some 2,000 experts from 70 countries will meet in Lisbon from 7 to 9 May 2025 to"
            " discuss the drought.",
        ),
    ),
    "ru": (
        (
            "14 марта 2024 года мэр Казани Андрей Соколов открыл новую станцию очистки воды"
            " мощностью 50 000 кубометров в сутки.",
            "On 14 March 2024, the mayor of Kazan, Andrei Sokolov, opened a new water treatment"
            " plant with a capacity of 50,000 cubic metres a day.",
        ),
        (
            "«Зенит» обыграл «Спартак» со счётом 2:1 в субботу, 9 ноября, на глазах у 45 000"
            " зрителей.",
            "Zenit beat Spartak 2-1 on Saturday, 9 November, in front of 45,000 spectators.",
        ),
        (
            "Около 1500 учёных из 40 стран соберутся в Новосибирске с 15 по 17 октября 2025 года"
            " на конференцию по водным ресурсам.",
            "About 1,500 scientists from 40 countries will gather in Novosibirsk from 15 to 17"
            " October 2025 for a conference on water resources.",
        ),
        (
            "По данным РЖД, участок между Москвой и Тверью будет закрыт до 20 апреля; ремонт"
            " обойдётся в 300 миллионов рублей.",
            "According to Russian Railways, the section between Moscow and Tver will be closed"
            " until 20 April; the repairs will cost 300 million roubles.",
        ),
    ),
    "tr": (
        (
            "İzmir Büyükşehir Belediye Başkanı Ayşe Demir, 5 Haziran 2024'te günde 30 bin"
            " metreküp suyu arıtabilen yeni tesisi açtı.",
            "On 5 June 2024, Izmir Metropolitan Mayor Ayşe Demir opened a new plant that can"
            " purify 30,000 cubic metres of water a day.",
        ),
        (
            "Trabzonspor, 10 Kasım Pazar günü Konyaspor'u 2-0 yendi; maçı 35 bin taraftar izledi.",
            "Trabzonspor beat Konyaspor 2-0 on Sunday 10 November; 35,000 fans watched the match.",
        ),
        (
            "Ankara'da 22-24 Ekim 2025 tarihlerinde düzenlenecek kuraklık konferansına 50"
            " ülkeden yaklaşık 1.800 uzman katılacak.",
            "About 1,800 experts from 50 countries will attend the drought conference to be held"
            " in Ankara on 22-24 October 2025.",
        ),
        (
            "TCDD'ye göre Eskişehir ile Konya arasındaki hat 15 Mart'a kadar kapalı kalacak;"
            " onarımın maliyeti 120 milyon lira.",
            "According to TCDD, the line between Eskişehir and Konya will stay closed until"
            " 15 March; the repairs cost 120 million lira.",
        ),
    ),
    "zh": (
        (
            "2024年3月18日，成都市市长王建国宣布，新建的污水处理厂每天可处理30万立方米污水。",
            "On 18 March 2024, Chengdu mayor Wang Jianguo announced that the new sewage"
            " treatment plant can treat 300,000 cubic metres of wastewater a day.",
        ),
        (
            "11月3日星期日，山东泰山队在济南以2比1战胜上海海港队，现场观众超过4万人。",
            "On Sunday, 3 November, Shandong Taishan beat Shanghai Port 2-1 in Jinan in front"
            " of more than 40,000 spectators.",
        ),
        (
            "2025年10月20日至22日，来自60个国家的约1500名专家将在昆明参加水资源大会。",
            "From 20 to 22 October 2025, about 1,500 experts from 60 countries will attend a"
            " water resources conference in Kunming.",
        ),
        (
            "据中国国家铁路集团介绍，北京至天津的铁路将于4月30日前恢复运营，维修费用为1.2亿元。",
            "According to China State Railway Group, the railway between Beijing and Tianjin"
            " will resume service by 30 April; the repairs cost 120 million yuan.",
        ),
    ),
    "ar": (
        (
            "افتتح وزير المياه الأردني سامر الخطيب يوم ١٥ أيار ٢٠٢٤ محطة تحلية جديدة في العقبة"
            " تنتج ٥٠ ألف متر مكعب يومياً.",
            "On 15 May 2024, Jordanian Water Minister Samer al-Khatib opened a new desalination"
            " plant in Aqaba that produces 50,000 cubic metres a day.",
        ),
        (
            "فاز نادي الوداد على الرجاء بنتيجة 2-1 يوم الأحد 10 نوفمبر أمام نحو 45 ألف متفرج"
            " في الدار البيضاء.",
            "Wydad beat Raja 2-1 on Sunday 10 November in front of about 45,000 spectators in"
            " Casablanca.",
        ),
        (
            "يشارك نحو ١٢٠٠ خبير من ٣٥ دولة في مؤتمر المياه الذي تستضيفه الدوحة من ٣ إلى ٥"
            " مارس ٢٠٢٥.",
            "About 1,200 experts from 35 countries are taking part in the water conference"
            " hosted by Doha from 3 to 5 March 2025.",
        ),
        (
            "أعلنت الهيئة القومية لسكك حديد مصر أن الخط بين القاهرة والإسكندرية سيعاد فتحه في"
            " 30 أبريل 2024 بعد أعمال صيانة بلغت تكلفتها 75 مليون جنيه.",
            "The Egyptian National Railways announced that the line between Cairo and"
            " Alexandria will reopen on 30 April 2024 after maintenance work costing 75 million"
            " pounds.",
        ),
    ),
    "he": (
        (
            'ב-12 במרץ 2024 חנך ראש עיריית חיפה, דני כהן, מתקן התפלה חדש שיספק 40 אלף מ"ק מים'
            " ביום.",
            "On 12 March 2024, Haifa mayor Danny Cohen inaugurated a new desalination plant"
            " that will supply 40,000 cubic metres of water a day.",
        ),
        (
            "מכבי תל אביב ניצחה את הפועל באר שבע 3:1 במוצאי שבת, 9 בנובמבר, מול 28 אלף צופים.",
            "Maccabi Tel Aviv beat Hapoel Be'er Sheva 3-1 on Saturday night, 9 November, in"
            " front of 28,000 spectators.",
        ),
        (
            "כ-900 מומחים מ-30 מדינות ישתתפו בכנס המים שייערך בירושלים בין 14 ל-16 באוקטובר 2025.",
            "About 900 experts from 30 countries will take part in the water conference to be"
            " held in Jerusalem from 14 to 16 October 2025.",
        ),
        (
            "לפי רכבת ישראל, הקו בין תל אביב לנהריה יהיה סגור עד 31 במאי, ועלות העבודות מוערכת"
            " ב-60 מיליון שקל.",
            "According to Israel Railways, the line between Tel Aviv and Nahariya will be closed"
            " until 31 May, and the cost of the works is estimated at 60 million shekels.",
        ),
    ),
    "fa": (
        (
            "شهردار اصفهان، علی رضایی، روز ۲۵ فروردین ۱۴۰۳ از تصفیه‌خانه‌ای جدید با ظرفیت"
            " روزانه ۶۰ هزار متر مکعب رونمایی کرد.",
            "On 25 Farvardin 1403, the mayor of Isfahan, Ali Rezaei, unveiled a new treatment"
            " plant with a daily capacity of 60,000 cubic metres.",
        ),
        (
            "تیم استقلال روز جمعه ۱۸ آبان با نتیجه ۲ بر ۱ پرسپولیس را در تهران شکست داد و"
            " حدود ۷۰ هزار تماشاگر این بازی را دیدند.",
            "Esteghlal beat Persepolis 2-1 in Tehran on Friday, 18 Aban, and about 70,000"
            " spectators watched the match.",
        ),
        (
            "حدود 1500 کارشناس از 40 کشور از 12 تا 14 مهر 1404 در همایش آب در شیراز شرکت می‌کنند.",
            "About 1,500 experts from 40 countries will take part in the water conference in"
            " Shiraz from 12 to 14 Mehr 1404.",
        ),
        (
            "به گفته راه‌آهن جمهوری اسلامی ایران، مسیر تهران–مشهد تا ۱۰ اردیبهشت بسته می‌ماند و"
            " هزینه تعمیرات ۸۰۰ میلیارد ریال برآورد شده است.",
            "According to the Islamic Republic of Iran Railways, the Tehran–Mashhad route will"
            " remain closed until 10 Ordibehesht, and the cost of repairs is estimated at"
            " 800 billion rials.",
        ),
    ),
}

PROBE_LANGUAGES: tuple[str, ...] = tuple(sorted(PROBES))

# For summarizers: English news, several sentences, numbers and names (about 150 words).
PROBE_PARAGRAPH = (
    "The regional government of Lower Saxony on Tuesday approved a 420-million-euro plan to"
    " modernise drinking-water supplies in 38 towns by 2030. Environment minister Katrin Vogel"
    " said the programme would replace about 1,200 kilometres of ageing pipes and build three"
    " new treatment plants near Hanover, Oldenburg and Göttingen. According to the ministry,"
    " leaks currently waste roughly 14 percent of the water pumped each year, enough to supply"
    " 250,000 households. Work on the first plant is due to start in March 2025, with the"
    " remaining two following in 2026. Farmers' associations welcomed the decision but asked"
    " for a say in how groundwater would be shared during dry summers. The opposition"
    " criticised the timetable as too slow, noting that a similar project in neighbouring"
    " Bremen had been completed in four years. A public consultation on the plan will run"
    " until 15 January."
)


def probe_sentences(lang: str) -> list[str]:
    """The probe sentences in ``lang`` (ISO 639-1); an empty list for other languages."""
    return [text for text, _ in PROBES.get(lang, ())]


def probe_pairs(lang: str) -> list[tuple[str, str]]:
    """(probe, our English translation) pairs in ``lang``; empty for other languages."""
    return list(PROBES.get(lang, ()))
