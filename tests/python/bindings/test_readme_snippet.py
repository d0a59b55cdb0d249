"""The README's "From Python" snippet runs, from the repository root, and prints what the README
says it prints."""
import os
import re
import subprocess
import sys

from conftest import PACKAGE_DIR, ROOT


def readme_blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## From Python", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    printed = re.search(r"prints\n\n```text\n(.*?)```", section, re.S).group(1)
    return code, printed


def test_readme_snippet_prints_what_the_readme_shows():
    code, printed = readme_blocks()
    assert "subsidy.allocate(plan, roster)" in code
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_DIR))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == printed
