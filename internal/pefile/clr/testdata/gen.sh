#!/bin/sh
# Builds the .NET fixtures from the C# sources beside this script with
# Mono's C# compiler (Debian package mono-mcs) into the directory $1.
# Tests run it into a temporary directory; nothing built is committed.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=$1
mcs -nologo -deterministic -target:library -out:"$out/lib.dll" \
  -resource:"$src/res1.txt",cascade.res1.txt -resource:"$src/res2.bin",Cascade.Second.bin "$src/lib.cs"
mcs -nologo -deterministic -target:exe -r:System.Xml.dll -out:"$out/app.exe" "$src/app.cs"
mcs -nologo -deterministic -target:library -platform:x64 -out:"$out/lib64.dll" "$src/lib.cs"
mcs -nologo -deterministic -target:library -out:"$out/sat.dll" "$src/sat.cs"
