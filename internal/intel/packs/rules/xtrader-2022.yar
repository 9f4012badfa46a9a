/*
  Built-in YARA rules of the xtrader-2022 pack, written for cascade from
  the public facts in ../source/supply-chain-iocs.md (X_TRADER section);
  no other rule set's text is reused. The certificate table is found as
  in 3cx-2023.yar (data directory 4 of a PE32 or PE32+ image).
*/

rule CASCADE_XTRADER_TT_Signing_Certificate
{
    meta:
        description = "PE signed with the Trading Technologies code-signing certificate (serial bytes 00 85 38 A6 C5 01 8F 50 FC, issued by Go Daddy G2) that signed the trojanized X_TRADER installer; genuine X_TRADER builds carried it too until it expired in October 2022, so compare the file with the pack's installer digests"
        author = "cascade"
        date = "2026-12-07"
        reference = "https://www.mandiant.com/resources/blog/3cx-software-supply-chain-compromise"
        score = 50
    strings:
        $serial = { 00 85 38 A6 C5 01 8F 50 FC }
        $subject = "Trading Technologies International"
        $issuer = "Go Daddy Secure Certificate Authority - G2"
    condition:
        uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550 and
        (
            (
                uint16(uint32(0x3C) + 24) == 0x10B and
                $serial in (uint32(uint32(0x3C) + 152) .. uint32(uint32(0x3C) + 152) + uint32(uint32(0x3C) + 156)) and
                $subject in (uint32(uint32(0x3C) + 152) .. uint32(uint32(0x3C) + 152) + uint32(uint32(0x3C) + 156)) and
                $issuer in (uint32(uint32(0x3C) + 152) .. uint32(uint32(0x3C) + 152) + uint32(uint32(0x3C) + 156))
            )
            or
            (
                uint16(uint32(0x3C) + 24) == 0x20B and
                $serial in (uint32(uint32(0x3C) + 168) .. uint32(uint32(0x3C) + 168) + uint32(uint32(0x3C) + 172)) and
                $subject in (uint32(uint32(0x3C) + 168) .. uint32(uint32(0x3C) + 168) + uint32(uint32(0x3C) + 172)) and
                $issuer in (uint32(uint32(0x3C) + 168) .. uint32(uint32(0x3C) + 168) + uint32(uint32(0x3C) + 172))
            )
        )
}

rule CASCADE_XTRADER_POOLRAT_Boundary_String
{
    meta:
        description = "Executable (PE, ELF or Mach-O) carrying the string --N9dLfqxHNUUw8qaUPqggVTpX- that Mandiant's POOLRAT hunting rule for the X_TRADER/3CX actor (UNC4736) names"
        author = "cascade"
        date = "2026-12-07"
        reference = "https://www.mandiant.com/resources/blog/3cx-software-supply-chain-compromise"
        score = 80
    strings:
        $s = "--N9dLfqxHNUUw8qaUPqggVTpX-" ascii wide
    condition:
        (
            (uint16(0) == 0x5A4D and uint32(uint32(0x3C)) == 0x00004550) or
            uint32(0) == 0x464C457F or
            uint32(0) == 0xFEEDFACE or uint32(0) == 0xFEEDFACF or
            uint32(0) == 0xCEFAEDFE or uint32(0) == 0xCFFAEDFE or
            uint32(0) == 0xBEBAFECA
        ) and $s
}
