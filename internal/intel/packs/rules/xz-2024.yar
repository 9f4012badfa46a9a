/*
  Built-in YARA rules of the xz-2024 pack (CVE-2024-3094), written for
  cascade from the public facts in ../source/supply-chain-iocs.md (XZ
  section) and the public write-ups it cites; no other rule set's text is
  reused.
*/

rule CASCADE_XZ_Test_File_Stage1_Carrier
{
    meta:
        description = "xz file with the ####Hello#### cover marker stored uncompressed near its start: the trait of tests/files/bad-3-corrupt_lzma2.xz in xz 5.6.0 and 5.6.1, which carried the backdoor's stage-1 script (found by the build's grep for #{4}[[:alnum:]]{5}#{4}$)"
        author = "cascade"
        date = "2026-12-07"
        reference = "https://www.openwall.com/lists/oss-security/2024/03/29/4"
        score = 80
    strings:
        $hello = "####Hello####"
    condition:
        uint32be(0) == 0xFD377A58 and uint16be(4) == 0x5A00 and $hello in (0 .. 64)
}

rule CASCADE_XZ_BuildToHost_M4_Stage0
{
    meta:
        description = "m4/build-to-host.m4 as the backdoored xz 5.6.0 and 5.6.1 release tarballs shipped it: it greps the source tree for the test file with the ####Hello#### marker and swaps its bytes back with tr (stage 0 of the backdoor)"
        author = "cascade"
        date = "2026-12-07"
        reference = "https://www.openwall.com/lists/oss-security/2024/03/29/4"
        score = 85
    strings:
        $grep = "grep -aErls \"#{4}[[:alnum:]]{5}#{4}$\""
        $map = "tr \"\\t \\-_\" \" \\t_\\-\""
    condition:
        $grep and $map
}

rule CASCADE_XZ_GetCPUID_IFUNC_Hook
{
    meta:
        description = "ELF object or library of liblzma with a _get_cpuid symbol (one underscore, not the compiler's __get_cpuid): the function through which the backdoor's injected object hooks the crc32/crc64 IFUNC resolvers; present where symbols are kept (liblzma_la-crc64-fast.o, unstripped builds)"
        author = "cascade"
        date = "2026-12-07"
        reference = "https://www.elastic.co/security-labs/500ms-to-midnight"
        score = 60
    strings:
        $hook = /[^_]_get_cpuid\x00/
        $crc = "lzma_crc64"
    condition:
        uint32(0) == 0x464C457F and $hook and $crc
}
