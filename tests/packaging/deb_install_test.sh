#!/usr/bin/env bash
# packaging::deb (tests/packaging/CMakeLists.txt): builds the .deb from the built tree with CPack, unpacks it
# with dpkg -x into a scratch root and runs the installed servesim on the installed copy of a bundled scenario
# from a folder outside the source tree: its summary.json must be the golden one, byte for byte. Then the
# same with the installed Python module, and the package's metadata, man page, desktop entry and completion.
# Usage: deb_install_test.sh BUILD_DIR SOURCE_DIR PYTHON_DIR(relative to /usr, "" without the module) HAS_GUI(0|1)
set -euo pipefail
build=$1 source=$2 python_dir=$3 has_gui=$4
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "packaging::deb: $*" >&2; exit 1; }

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$scratch/pkg" >"$scratch/cpack.log" 2>&1 ||
  { cat "$scratch/cpack.log" >&2; fail "cpack failed"; }
debs=("$scratch"/pkg/servesim_*.deb)
[ -f "${debs[0]}" ] || fail "no servesim_*.deb in $scratch/pkg"
deb=${debs[0]}

# Its dependencies: the shared libraries' Debian packages (dpkg-shlibdeps) and, with the module, python3.
depends=$(dpkg-deb -f "$deb" Depends)
case $depends in *libsimgrid*) ;; *) fail "Depends lacks libsimgrid: $depends" ;; esac
case $depends in *libboost-program-options*) ;; *) fail "Depends lacks Boost.Program_options: $depends" ;; esac
if [ -n "$python_dir" ]; then
  case $depends in *python3*) ;; *) fail "Depends lacks python3: $depends" ;; esac
fi

root=$scratch/root
dpkg -x "$deb" "$root"
expect=(usr/bin/servesim usr/share/servesim/scenarios/advise-text-classifier.json
  usr/share/servesim/scenarios/traces/twitter-2021-rps.txt.bz2 usr/share/servesim/catalog/aws-lambda.json
  usr/share/servesim/catalog/gpus.json usr/share/man/man1/servesim.1.gz
  usr/share/bash-completion/completions/servesim)
if [ "$has_gui" = 1 ]; then
  expect+=(usr/bin/servesim-gui usr/share/applications/servesim-gui.desktop
    usr/share/icons/hicolor/scalable/apps/servesim.svg)
fi
for f in "${expect[@]}"; do [ -f "$root/$f" ] || fail "the package lacks /$f"; done

# The installed program on the installed scenario, from a folder that is not the source tree.
mkdir "$scratch/work"
cd "$scratch/work"
"$root/usr/bin/servesim" run "$root/usr/share/servesim/scenarios/advise-text-classifier.json" --out run --quiet
cmp run/summary.json "$source/tests/golden/advise-text-classifier/summary.json" ||
  fail "the installed servesim's summary.json differs from tests/golden/advise-text-classifier/summary.json"

# The man page is servesim --help's, and the completion offers the subcommands.
zcat "$root/usr/share/man/man1/servesim.1.gz" | grep -q "servesim run SCENARIO.json" ||
  fail "the man page lacks the usage of servesim run"
completions=$(bash -c "source '$root/usr/share/bash-completion/completions/servesim'
  COMP_WORDS=(servesim ad); COMP_CWORD=1; _servesim; echo \${COMPREPLY[*]}")
[ "$completions" = advise ] || fail "bash completion of 'servesim ad' gave '$completions'"
# Every subcommand of servesim --help is offered.
for command in $("$root/usr/bin/servesim" --help | awk '$1 == "servesim" && $2 ~ /^[a-z]/ {print $2}'); do
  offered=$(bash -c "source '$root/usr/share/bash-completion/completions/servesim'
    COMP_WORDS=(servesim '$command'); COMP_CWORD=1; _servesim; echo \${COMPREPLY[*]}")
  [[ " $offered " == *" $command "* ]] || fail "bash completion does not offer 'servesim $command'"
done
if [ "$has_gui" = 1 ]; then
  grep -q "^Exec=servesim-gui" "$root/usr/share/applications/servesim-gui.desktop" || fail "desktop entry"
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$root/usr/share/applications/servesim-gui.desktop"
  fi
fi

# The installed Python module (not the build tree's) gives the same summary.
if [ -n "$python_dir" ]; then
  PYTHONPATH="$root/usr/$python_dir" /usr/bin/python3 - "$root" "$source" <<'PY'
import json, sys
import servesim
root, source = sys.argv[1], sys.argv[2]
assert servesim.__file__.startswith(root), servesim.__file__
result = servesim.run(root + "/usr/share/servesim/scenarios/advise-text-classifier.json")
with open(source + "/tests/golden/advise-text-classifier/summary.json") as f:
    assert result.summary == json.load(f), "the installed module's summary differs from the golden one"
PY
fi
echo "packaging::deb: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) installs and runs"
