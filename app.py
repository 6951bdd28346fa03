"""The web demo: python app.py [--config PATH] [--host HOST] [--port PORT] [--device D] [--share]

The same as `summarize serve`: the Gradio UI on 127.0.0.1:7860 with the default models.yaml.
"""

from __future__ import annotations

import sys

from summarizer.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
