// Package windows inventories software installed on Windows from the
// registry's Uninstall keys: offline from the hive files of an image
// (SOFTWARE and every user's NTUSER.DAT), and live through the Windows
// registry API. It also reads an image's host facts (computer name, edition,
// build) for the scan engine.
//
// Offline hives are hostile input. The package uses regparser for the hive's
// record layouts (base block, key, value and index records) but walks the
// structure itself: regparser's own Subkeys, Values and ValueData recurse
// without a depth limit (an index record that lists itself overflows the
// stack, which recover cannot catch), trust record counts up to 2^32, and
// read value data a byte at a time up to 2 GiB. Here every offset is checked
// against the file, every count and size is capped, and each hive has a
// budget of cells visited and bytes decoded.
//
// SystemComponent=1 entries, which Programs and Features hides, are kept:
// an installer (or an intruder) can hide a product that way, and a missed
// product is worse than an extra record for "am I affected?".
package windows
