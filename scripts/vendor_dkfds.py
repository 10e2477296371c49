"""Copy Det Fælles Designsystem's built files from node_modules into static/dkfds/ (no CDN).

    npm ci --ignore-scripts && .venv/bin/python scripts/vendor_dkfds.py

Copies the minified CSS and JS, the SVG icon sprite, the licence, and exactly the fonts and images
the CSS refers to (url(...)), so collectstatic's manifest finds every reference. dkfds is MIT,
its IBM Plex Sans fonts OFL-1.1, its icons Apache-2.0: all allow redistribution with the licence,
which is copied beside them. Run it again after changing the pinned version in package.json.
"""

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "dkfds" / "dist"
TARGET = ROOT / "static" / "dkfds"


def main() -> int:
    if not SOURCE.is_dir():
        print("node_modules/dkfds mangler: kør først `npm ci --ignore-scripts`.", file=sys.stderr)
        return 1
    if TARGET.exists():
        shutil.rmtree(TARGET)
    files = ["css/dkfds.min.css", "js/dkfds.min.js", "img/all-svg-icons.svg", "LICENSE.md",
             "fonts/IBMPlexSans/split/woff/license.txt"]
    css = (SOURCE / "css" / "dkfds.min.css").read_text()
    for ref in sorted(set(re.findall(r"url\(([^)]+)\)", css))):
        ref = ref.strip("'\"").split("?")[0].split("#")[0]
        if ref.startswith("../"):
            files.append(ref[3:])
    for name in files:
        (TARGET / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SOURCE / name, TARGET / name)
    print(f"{len(files)} filer kopieret til {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
