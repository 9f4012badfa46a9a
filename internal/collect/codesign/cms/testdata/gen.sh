#!/usr/bin/env bash
# gen.sh — regenerates the certificates beside it with openssl (throw-away
# keys, fixed validity windows; nothing real is involved):
#   root.pem            an RSA root, "Cascade Test Root CA"
#   negative-serial.pem a code-signing certificate from root with the
#                       negative serial -0x724808C7FD2E2642B98C059E8A80D689
#                       (as in VirtualKD-Redux's kdbazis.dll signer)
#   explicit-ca.pem     a self-signed EC CA whose key is written with
#                       explicit curve parameters (openssl ecparam
#                       -param_enc explicit): the CVE-2020-0601 layout
#   explicit-leaf.pem   an RSA code-signing certificate that CA issued
# Run from anywhere: bash gen.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$repo/testdata/fixtures/lib/pki.sh"
make_pki "$work/pki" >/dev/null
# openssl ca cannot issue a negative serial: self-sign with fixed dates,
# then re-sign with root, keeping the dates and setting the serial.
issue neg "/CN=Cascade Negative Serial/O=Cascade Test" v3_codesign 20200101000000Z 20350101000000Z selfsign
openssl x509 -in neg.pem -CA root.pem -CAkey root.key -set_serial -0x724808C7FD2E2642B98C059E8A80D689 \
	-preserve_dates -extfile ca.cnf -extensions v3_codesign -out negative-serial.pem 2>/dev/null
openssl ecparam -name prime256v1 -param_enc explicit -genkey -noout -out explicit-ca.key
openssl req -new -key explicit-ca.key -out explicit-ca.csr -subj "/CN=Cascade Explicit Curve CA/O=Cascade Test"
openssl ca -batch -selfsign -config ca.cnf -keyfile explicit-ca.key -in explicit-ca.csr -out explicit-ca.pem \
	-extensions v3_root -startdate 20200101000000Z -enddate 20400101000000Z -notext 2>/dev/null
issue explicit-leaf "/CN=Cascade CurveBall Signer/O=Cascade Test" v3_codesign 20200101000000Z 20350101000000Z explicit-ca
for f in root negative-serial explicit-ca explicit-leaf; do
	openssl x509 -in "$f.pem" -out "$here/$f.pem"
done
