"""Every network snippet in README.md (a ``` block holding `populations {`) must validate.

usage: /usr/bin/python3 check_readme_networks.py README.md IONSPIKE TMPDIR
"""
import pathlib
import re
import subprocess
import sys


def main(readme: pathlib.Path, ionspike: str, tmp: pathlib.Path) -> int:
    tmp.mkdir(parents=True, exist_ok=True)
    blocks = [b for b in re.findall(r"```[a-z]*\n(.*?)```", readme.read_text(), re.S) if "populations {" in b]
    if not blocks:
        print("no network snippets found in", readme)
        return 1
    failures = 0
    for i, block in enumerate(blocks):
        text = block if "format_version" in block else "format_version: 1\n" + block
        path = tmp / f"readme_snippet_{i}.pbtxt"
        path.write_text(text)
        result = subprocess.run([ionspike, "validate", str(path)], capture_output=True, text=True)
        print(result.stdout.strip() or result.stderr.strip())
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])))
