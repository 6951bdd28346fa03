"""The web demo: python app.py [--config PATH] [--host HOST] [--port PORT] [--device D] [--share]
[--allow-private-urls] [--store PATH]

The same as `summarize serve`: the Gradio UI on 127.0.0.1:7860 with the default models.yaml.
Served to others (--host other than loopback, or --share), the web addresses users give are
not fetched from private, loopback or link-local networks unless --allow-private-urls.
"""

from __future__ import annotations

import sys

from summarizer.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
