// Package stixpattern parses and evaluates STIX 2.1 patterns (OASIS STIX
// Version 2.1, section 9 "STIX Patterning") against observed-data.
//
// Parse validates a pattern; Pattern.Evaluate (or Match) decides whether a
// set of observations matches it and explains which observations were
// bound to which bracketed observation expression; LoadObservations reads
// observed-data from a bundle or JSON array; Pattern.IndexKeys extracts the
// equalities hash and name indicators rely on, so callers can index them.
//
// The grammar is the 2.1 STIXPattern.g4 of the OASIS schemas repository.
// The semantics follow the specification text and, where the text is
// silent or loose, the OASIS reference matcher (cti-pattern-matcher, "the
// standard's executable documentation") and validator
// (cti-pattern-validator). Each choice the specification leaves open is
// written down here.
//
// # Syntax
//
//   - Keywords are case-sensitive upper case; true and false lower case.
//     Whitespace is any Unicode White_Space code point; /* */ and //
//     comments are skipped, as in the grammar. Tokens need no space between
//     them where the grammar's lexer does not ("WITHIN 5SECONDS" is valid).
//   - "==" and "<>" are accepted for = and != (grammar). NOT goes between
//     the object path and the operator only; EXISTS takes no NOT (grammar).
//   - Object types may contain '-'; property names must be quoted to contain
//     '-' or '.', and to be keywords ('IN').
//   - Numbers: no leading zeros, optional '+'; no exponents (grammar).
//     Integers are exact at any size; floats are IEEE doubles.
//   - b'…' must be padded base64 with at least one group (grammar); line
//     feeds inside it are ignored (9.2 requires it, the grammar omits it).
//     h'…' takes an even number of hex digits, either case, none included.
//   - t'…' is YYYY-MM-DDTHH:MM:SS[.fraction]Z exactly, calendar-checked; a
//     leap second :60 is the instant after :59; fractions beyond nanoseconds
//     are truncated (the reference matcher keeps microseconds).
//   - START and STOP take t'…' constants (2.1 grammar); STIX 2.0's plain
//     strings are rejected with a message saying so.
//   - null is not a constant (2.1 grammar).
//
// # Validation (invalid patterns are a *SyntaxError, never a non-match)
//
//   - REPEATS n TIMES needs 1 <= n <= 2^53-1; WITHIN x SECONDS needs x > 0
//     (9.5.1 "positive"; the reference matcher rejects 0 as well).
//   - One qualifier of each type on a bracketed expression (9.5.1); as in
//     the reference validator, qualifiers after a closing parenthesis are not
//     checked, so "([a] REPEATS 2 TIMES) REPEATS 2 TIMES" is the way to
//     repeat twice. (The reference matcher, which does not run the
//     validator, accepts "[a] REPEATS 2 TIMES REPEATS 2 TIMES".)
//   - AND inside brackets must join comparisons that can hold for one
//     object (9.5: "such Comparison Expressions MUST be joined by OR"):
//     each operand can be rooted at a set of object types (OR unites, AND
//     intersects) and an AND with no common type is rejected. The reference
//     validator accepts such patterns and the matcher never matches them.
//   - IN sets hold one constant type; integers and floats mix, and so do
//     hex and binary (the reference matcher raises an error). An empty set
//     is valid: IN () is false, NOT IN () true.
//   - MATCHES must compile; ISSUBSET and ISSUPERSET constants must be IPv4
//     or IPv6 addresses or CIDR blocks (9.6.1 "MUST be a valid string
//     representation").
//   - Patterns are capped at MaxPatternBytes, MaxNesting parentheses and
//     MaxPathSteps steps per object path.
//
// # Comparisons
//
//   - A path may select several values ([*], *_refs); the comparison holds
//     when it holds for one of them, tried in the reference matcher's order
//     and stopping at the first that passes. A data error on a value met
//     before that one is reported; the reference also reports errors met
//     while stepping towards later values (bad *_ref types), this package
//     does not once a value has passed. NOT negates each value's result, so
//     "list[*] NOT = 'a'" means "some element is not 'a'". A path that
//     selects nothing (missing property, index out of range, unresolved
//     reference) makes the comparison false whatever the operator, NOT and
//     != included (9.6). JSON null is a value: null != 'x' is true, EXISTS
//     is true, every other comparison false.
//   - Operands of incomparable types are unequal: = false, != true, order
//     operators false (9.6.1). Integers and floats compare by exact value.
//     Booleans equal only booleans (not 1). Timestamps compare as instants.
//   - Strings compare by code point without normalization for =, !=, <,
//     <=, >, >= and IN (9.6.2); LIKE and MATCHES normalize the constant and
//     the value to NFC.
//   - Properties ending in _hex or _bin are decoded to bytes (9.6.4).
//     Bytes compare as unsigned octets, longer greater (9.6.3). A string
//     meets bytes by mapping code points below U+0100 to octets; a string
//     with a higher code point compares false (!= true). LIKE and MATCHES on
//     bytes match each octet as the code point of the same value when the
//     constant is below U+0100 throughout, else false (the reference
//     matcher decodes the bytes as UTF-8 for LIKE; the spec's conversion is
//     by octet).
//   - IN is = against each member (the reference uses Python set
//     membership, where true is in (1) and bytes are never in a set of
//     strings).
//   - LIKE: % is any run of characters and _ exactly one, newlines
//     included, over the whole value; there is no escape character, so a
//     backslash is literal (9.6.1 example). The reference's Python regex
//     lets % stop at newlines and accepts a trailing newline.
//   - MATCHES uses Go's RE2 with DOTALL, unanchored search (9.6.1; the
//     reference matcher omits DOTALL, so there . stops at newlines). PCRE's
//     $ (end, or before a final newline) and \Z are translated. RE2 has no
//     backreferences, lookaround, atomic or possessive groups, \h or \R:
//     such patterns are invalid. \d, \w, \s and \b are ASCII, as in PCRE
//     without UCP (Python, in the reference, makes them Unicode).
//   - A JSON string compared with a timestamp constant must be a STIX
//     timestamp, otherwise evaluation fails with a *DataError (as the
//     reference matcher does) rather than silently mismatching.
//   - ISSUBSET/ISSUPERSET work on IPv4 and IPv6 (the reference only IPv4):
//     a bare address is a /32 or /128 block, host bits of a block are
//     ignored, identical blocks contain each other, and the two families
//     never do. Non-string values are false; a string that is not an
//     address or block is a *DataError (reference).
//   - *_ref and *_refs are replaced by the objects they name within the
//     same observation: keys of the embedded "objects" dictionary and ids
//     listed in object_refs, nothing else (9.7.4). A reference that is not
//     a string (or a *_refs that is not a list) is a *DataError (reference);
//     one that does not resolve is dropped. *_refs keep positions, so [n]
//     is the n-th reference even when an earlier one does not resolve (the
//     reference matcher drops them first, shifting indexes). Negative
//     indexes never select.
//
// # Observation expressions
//
// A match binds observations to the bracketed expressions (the reference
// matcher's "bindings"). Each observed-data stands for number_observed
// observations (instances); AND, FOLLOWEDBY and REPEATS need different
// instances, so one observed-data with number_observed 3 can satisfy
// "[a] REPEATS 3 TIMES" on its own (reference). An observation's objects are
// those in object_refs (and the deprecated embedded "objects"); the
// observed-data itself and unreferenced objects are never compared.
// Within brackets all comparisons start from the same object (9.5).
//
// Times, as the reference matcher reads them: an observation may have
// happened at any instant between first_observed and last_observed, and
// each constraint is checked with the most favourable instants on its own.
//
//   - a FOLLOWEDBY b: the latest first_observed among a's observations is
//     at most the earliest last_observed among b's (9.5.2 ">=").
//   - WITHIN d: the latest first_observed is at most d after the earliest
//     last_observed, inclusive; d is exact to the nanosecond (timestamps
//     differ by whole nanoseconds). The spec (9.5.1) says the window MUST NOT
//     be reached ("equal to or later"); the reference matcher and its tests
//     include the boundary; this package follows the reference.
//   - START s STOP e: every observation overlaps [s, e): first_observed < e
//     and last_observed >= s. If s >= e nothing matches (reference).
//   - OR binds one side only (9.5: evaluation stops at the first true side).
//
// The search decides OR branches and anchors each WITHIN and FOLLOWEDBY at
// an observation's own timestamp (exact, see search.go), and checks after
// each decision, by maximum flow, that the expressions decided so far can
// take different instances. ANDed expressions are therefore a bipartite
// matching, never a walk through permutations, and copies of a REPEATS
// group (or identical ANDed subexpressions) are decided in order. Work is
// bounded by Limits; beyond them Evaluate returns ErrTooComplex.
//
// # Input
//
// LoadObservations accepts a bundle, an array of objects and/or bundles,
// or one observed-data. References in object_refs resolve within the same
// bundle (or the top-level array). Missing created/modified, odd ids,
// custom object types, duplicate ids (first wins) and dangling references
// are warnings; missing or malformed first_observed, last_observed or
// number_observed, last before first, and number_observed < 1 are errors.
// JSON integers are exact; numbers with a fraction or exponent are floats.
// Input size, depth and value counts are capped (MaxInputBytes).
package stixpattern
