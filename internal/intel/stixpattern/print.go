package stixpattern

import (
	"strconv"
	"strings"
)

// String renders an observation expression with normalized spacing and the
// parentheses the author wrote; parsing the result gives the same tree.
func (n *obsNode) String() string {
	var s string
	switch n.kind {
	case obsSimple:
		s = "[" + n.cmp.String() + "]"
	case obsAnd:
		s = joinObs(n.kids, " AND ")
	case obsOr:
		s = joinObs(n.kids, " OR ")
	case obsFollowedBy:
		s = joinObs(n.kids, " FOLLOWEDBY ")
	case obsWithin:
		s = n.kids[0].String() + " WITHIN " + n.within.String() + " SECONDS"
	case obsRepeats:
		s = n.kids[0].String() + " REPEATS " + strconv.FormatInt(n.count, 10) + " TIMES"
	case obsStartStop:
		s = n.kids[0].String() + " START t'" + formatTimestamp(n.start) + "' STOP t'" + formatTimestamp(n.stop) + "'"
	}
	if n.paren {
		return "(" + s + ")"
	}
	return s
}

func joinObs(kids []*obsNode, sep string) string {
	parts := make([]string, len(kids))
	for i, k := range kids {
		parts[i] = k.String()
	}
	return strings.Join(parts, sep)
}

// String renders a comparison expression like obsNode.String.
func (c *cmpNode) String() string {
	var s string
	switch c.kind {
	case cmpAnd, cmpOr:
		sep := " AND "
		if c.kind == cmpOr {
			sep = " OR "
		}
		parts := make([]string, len(c.kids))
		for i, k := range c.kids {
			parts[i] = k.String()
		}
		s = strings.Join(parts, sep)
	case cmpTest:
		s = c.testString()
	}
	if c.paren {
		return "(" + s + ")"
	}
	return s
}

func (c *cmpNode) testString() string {
	if c.op == opEXISTS {
		return "EXISTS " + c.path.String()
	}
	not := ""
	if c.not {
		not = " NOT"
	}
	operand := c.text
	if c.op == opIN {
		operand = "(" + strings.Join(c.setText, ", ") + ")"
	}
	return c.path.String() + not + " " + c.op.String() + " " + operand
}
