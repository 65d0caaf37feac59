#!/usr/bin/env bash
# Refresh constraints.txt: install posecheck with every extra into a fresh venv
# (the newest releases pyproject.toml allows) and record the exact versions.
# Run the test suite afterwards: a change in results is a change to review.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)/venv
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q '.[test,ray]'
{
  sed -n '1,3p' constraints.txt
  "$venv/bin/pip" freeze --exclude posecheck
} > constraints.txt.new
mv constraints.txt.new constraints.txt
rm -rf "$(dirname "$venv")"
echo "constraints.txt: $(grep -vc '^#' constraints.txt) pinned packages"
