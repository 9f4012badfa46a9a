package cascade

import "fmt"

// Endpoints says which node kinds an edge kind joins, as written.
func (k EdgeKind) Endpoints(from, to NodeKind) bool {
	art := func(n NodeKind) bool { return n == Release || n == Package }
	switch k {
	case Ran:
		return from == Host && art(to)
	case BuiltOn:
		return art(from) && to == Host
	case Reaches:
		return from == Host && to == Host
	case ShippedTo:
		return art(from) && (to == Org || to == Host)
	case DependsOn:
		return art(from) && art(to)
	}
	return false
}

func checkEndpoints(k EdgeKind, from, to *Node, at string) error {
	if from.Kind == 0 || to.Kind == 0 || k.Endpoints(from.Kind, to.Kind) {
		return nil
	}
	return fmt.Errorf("%s: a %s edge cannot go from %s %q to %s %q", at, k, from.Kind, from.ID, to.Kind, to.ID)
}
