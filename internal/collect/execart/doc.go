// Package execart collects Windows execution evidence: which programs ran
// or were present, when, and with what digest, from traces Windows keeps
// even after the program is gone. Collector reads Prefetch files in every
// format version from Windows XP (17) to Windows 11 (31), including the
// compressed container ("MAM\x04", LZXPRESS Huffman, [MS-XCA] §2.1–2.2)
// that Windows 10 and 11 write, decoded here. Registry reads Amcache.hve,
// the SYSTEM hive's AppCompatCache (Shimcache) and BAM/DAM, and every
// user's UserAssist, through the Windows registry package's hive reader
// and its transaction-log recovery.
//
// Every format here is hostile input: each size, offset and count it
// declares is checked and capped, and a damaged file is one error naming
// the file and what was wrong, with what was read before the damage kept.
package execart
