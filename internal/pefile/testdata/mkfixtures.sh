#!/usr/bin/env bash
# mkfixtures.sh OUTDIR: builds PE fixtures for internal/pefile with GNU
# binutils for MinGW (Debian binutils-mingw-w64-x86-64): a 64-bit and a
# 32-bit DLL with a two-language version resource, imports by name and by
# ordinal, a delay-load import (64-bit only), exports with a NONAME
# ordinal, an alias and a forwarder, and a CodeView (RSDS) debug entry
# naming a PDB; and a 64-bit EXE. No compiler is needed: the code is a few
# assembler lines that are never run.
set -euo pipefail
out=$1
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat > version.rc <<'RC'
1 VERSIONINFO
FILEVERSION 18,12,416,0
PRODUCTVERSION 18,12,0,0
FILEFLAGSMASK 0x3f
FILEOS 0x40004
FILETYPE 2
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "Cascade Fixture Ltd\0"
      VALUE "ProductName", "Cascade \xae Test\0"
      VALUE "FileVersion", "18.12.416.0"
      VALUE "OriginalFilename", "fixture.dll"
      VALUE "FileDescription", "A fixture with two string tables"
      VALUE "LegalCopyright", "\xa9 nobody"
    END
    BLOCK "040704b0"
    BEGIN
      VALUE "CompanyName", "Cascade Testfirma GmbH"
      VALUE "FileDescription", "Beispiel"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200, 0x407, 1200
  END
END
RC

cat > k32.def <<'DEF'
LIBRARY kernel32.dll
EXPORTS
ExitProcess
GetTickCount
Sleep @4 NONAME
DEF
cat > user32.def <<'DEF'
LIBRARY user32.dll
EXPORTS
MessageBoxA
DEF
cat > fixture.def <<'DEF'
LIBRARY fixture.dll
EXPORTS
Alpha
Beta @7
Hidden @9 NONAME
Gamma = Alpha
Forwarded = kernel32.GetTickCount
DEF

# build BITS: as/ld/windres/dlltool flags per word size.
build() {
  local bits=$1 asf ldm res dlm sym rel t
  if [ "$bits" = 64 ]; then asf=--64 ldm=i386pep res=pe-x86-64 dlm=i386:x86-64 sym="" rel="(%rip)" t=x86_64
  else asf=--32 ldm=i386pe res=pe-i386 dlm=i386 sym=_ rel="" t=i686; fi
  $t-w64-mingw32-windres --preprocessor=cpp --target=$res -c 1252 version.rc -o ver$bits.o
  $t-w64-mingw32-dlltool -m $dlm -d k32.def -l k32-$bits.a
  [ "$bits" = 64 ] && x86_64-w64-mingw32-dlltool -m $dlm -d user32.def -y user32d-$bits.a
  cat > code$bits.s <<ASM
	.text
	.globl ${sym}Alpha, ${sym}Beta, ${sym}Hidden, ${sym}start
${sym}start:
${sym}Alpha:
	call *__imp_${sym}ExitProcess$rel
	call *__imp_${sym}GetTickCount$rel
	call *__imp_${sym}Sleep$rel
${sym}Beta:
	ret
${sym}Hidden:
	ret
ASM
  if [ "$bits" = 64 ]; then
    # A delay-load import; the helper the import library calls is a stub.
    printf '\tcall *__imp_MessageBoxA(%%rip)\n\t.globl __delayLoadHelper2\n__delayLoadHelper2:\n\tret\n' >> code$bits.s
  fi
  $t-w64-mingw32-as $asf code$bits.s -o code$bits.o
  local libs=(k32-$bits.a)
  [ "$bits" = 64 ] && libs+=(user32d-$bits.a)
  $t-w64-mingw32-ld -m $ldm --dll -e ${sym}start --build-id --pdb="$work/fixture$bits.pdb" \
    -o "$out/fixture$bits.dll" code$bits.o ver$bits.o fixture.def "${libs[@]}"
}
build 64
build 32
x86_64-w64-mingw32-ld -m i386pep -e start --build-id -o "$out/fixture64.exe" code64.o ver64.o k32-64.a user32d-64.a
