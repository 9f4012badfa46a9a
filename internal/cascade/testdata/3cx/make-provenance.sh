#!/bin/sh
# Writes the SLSA provenance v1 fixtures of the 3CX case: a statement that
# 3CXDesktopApp 18.12.416 (Windows) was built on build-win-02, in a DSSE
# envelope signed with a throw-away Ed25519 key (provenance.intoto.jsonl),
# and a copy whose payload was changed after signing (tampered.intoto.jsonl).
# The key is made here and is good for nothing else. Needs openssl 3.
set -eu
cd "$(dirname "$0")"
[ -f signing-key.pem ] || openssl genpkey -algorithm ed25519 -out signing-key.pem
openssl pkey -in signing-key.pem -pubout -out signing-pub.pem

statement() {
	printf '{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"3CXDesktopApp-18.12.416.msi","digest":{"sha256":"09f9387e161528e88bb07d4f18f9d78e1021b2972c5d1c9eb673c0166f7b792a"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://build-win-02.3cx.internal/jenkins/msi@v1","externalParameters":{},"resolvedDependencies":[{"uri":"https://build-win-02.3cx.internal/deps/ffmpeg-build-deps.zip","name":"ffmpeg-build-deps.zip","digest":{"sha256":"%s"}}]},"runDetails":{"builder":{"id":"https://build-win-02.3cx.internal/jenkins"},"metadata":{"invocationId":"jenkins-msi-1416","startedOn":"2023-03-07T01:55:00Z","finishedOn":"2023-03-07T02:49:00Z"}}}}' "$1"
}
envelope() { # $1 payload signed, $2 payload shipped
	len=$(printf %s "$1" | wc -c)
	typ=application/vnd.in-toto+json
	printf 'DSSEv1 %d %s %d %s' ${#typ} "$typ" "$len" "$1" > pae.tmp
	sig=$(openssl pkeyutl -sign -rawin -inkey signing-key.pem -in pae.tmp | base64 -w0)
	rm pae.tmp
	printf '{"payloadType":"%s","payload":"%s","signatures":[{"keyid":"3cx-test-key","sig":"%s"}]}\n' "$typ" "$(printf %s "$2" | base64 -w0)" "$sig"
}
good=$(statement 9b12122287c471ec71bf95ad6ec85d968f822e6873d5821f77bc46d97baedb83)
bad=$(statement 0000000000000000000000000000000000000000000000000000000000000000)
envelope "$good" "$good" > provenance.intoto.jsonl
envelope "$good" "$bad" > tampered.intoto.jsonl
