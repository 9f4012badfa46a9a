/*
  Built-in YARA rules of the 3cx-2023 pack, written for cascade from the
  public facts in ../source/supply-chain-iocs.md (3CX section); no other
  rule set's text is reused. Conditions read the PE headers by hand (no
  module): e_lfanew at 0x3C, the optional header 24 bytes past "PE\0\0",
  its magic 0x10B (PE32, data directories at +96) or 0x20B (PE32+, +112),
  the certificate table as data directory 4 (a file offset and a size),
  holding a WIN_CERTIFICATE (length, revision, type) and its PKCS#7 blob,
  a DER SEQUENCE 30 82 LL LL.
*/

rule CASCADE_3CX_D3DCompiler_Payload_After_Signature
{
    meta:
        description = "PE whose certificate table holds the 0xFEEDFACE marker followed by data after the PKCS#7 signature blob: the trait of the 3CX d3dcompiler_47.dll, whose RC4-encrypted payload was appended inside the Authenticode signature area"
        author = "cascade"
        date = "2026-12-07"
        reference = "https://www.elastic.co/security-labs/elastic-users-protected-from-suddenicon-supply-chain-attack"
        score = 90
    strings:
        $marker = { FE ED FA CE }
    condition:
        uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550 and
        (
            (
                uint16(uint32(0x3C) + 24) == 0x10B and
                uint16be(uint32(uint32(0x3C) + 152) + 8) == 0x3082 and
                for any i in (1 .. #marker) : (
                    @marker[i] >= uint32(uint32(0x3C) + 152) + 12 + uint16be(uint32(uint32(0x3C) + 152) + 10) and
                    @marker[i] + 20 <= uint32(uint32(0x3C) + 152) + uint32(uint32(0x3C) + 156)
                )
            )
            or
            (
                uint16(uint32(0x3C) + 24) == 0x20B and
                uint16be(uint32(uint32(0x3C) + 168) + 8) == 0x3082 and
                for any i in (1 .. #marker) : (
                    @marker[i] >= uint32(uint32(0x3C) + 168) + 12 + uint16be(uint32(uint32(0x3C) + 168) + 10) and
                    @marker[i] + 20 <= uint32(uint32(0x3C) + 168) + uint32(uint32(0x3C) + 172)
                )
            )
        )
}

rule CASCADE_3CX_FFmpeg_RC4_Key
{
    meta:
        description = "PE carrying the static RC4 key that the trojanized 3CX ffmpeg.dll uses to decrypt the payload hidden in d3dcompiler_47.dll"
        author = "cascade"
        date = "2026-12-07"
        reference = "https://www.elastic.co/security-labs/elastic-users-protected-from-suddenicon-supply-chain-attack"
        score = 90
    strings:
        $key = "3jB(2bsG#@c7"
    condition:
        uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550 and $key
}
