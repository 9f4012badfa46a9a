package regex

import "fmt"

var fmtSprintf = fmt.Sprintf
