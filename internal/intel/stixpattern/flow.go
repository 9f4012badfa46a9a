package stixpattern

// flowNet is a max-flow network (Dinic's algorithm). Deciding whether
// observation expressions can be bound to different observations is a
// bipartite b-matching: expression slots on one side with their demands,
// observations on the other with number_observed as capacity.
type flowNet struct {
	head  []int32
	next  []int32
	to    []int32
	cap   []int64
	level []int32
	iter  []int32
	queue []int32
	work  int64 // edge visits, for the evaluation budget
}

func (g *flowNet) reset(nodes int) {
	g.head = g.head[:0]
	for i := 0; i < nodes; i++ {
		g.head = append(g.head, -1)
	}
	g.next, g.to, g.cap = g.next[:0], g.to[:0], g.cap[:0]
}

// addEdge adds u→v with capacity c and returns the edge's index.
func (g *flowNet) addEdge(u, v int, c int64) int {
	e := len(g.to)
	g.to = append(g.to, int32(v), int32(u))
	g.cap = append(g.cap, c, 0)
	g.next = append(g.next, g.head[u], g.head[v])
	g.head[u], g.head[v] = int32(e), int32(e+1)
	return e
}

// flowOn is the flow pushed through edge e.
func (g *flowNet) flowOn(e int) int64 { return g.cap[e^1] }

// maxFlow pushes up to limit units from s to t.
func (g *flowNet) maxFlow(s, t int, limit int64) int64 {
	var total int64
	for total < limit && g.bfs(s, t) {
		g.iter = append(g.iter[:0], g.head...)
		for total < limit {
			f := g.dfs(s, t, limit-total)
			if f == 0 {
				break
			}
			total += f
		}
	}
	return total
}

func (g *flowNet) bfs(s, t int) bool {
	g.level = g.level[:0]
	for range g.head {
		g.level = append(g.level, -1)
	}
	g.level[s] = 0
	g.queue = append(g.queue[:0], int32(s))
	for qi := 0; qi < len(g.queue); qi++ {
		u := g.queue[qi]
		for e := g.head[u]; e >= 0; e = g.next[e] {
			g.work++
			if v := g.to[e]; g.cap[e] > 0 && g.level[v] < 0 {
				g.level[v] = g.level[u] + 1
				g.queue = append(g.queue, v)
			}
		}
	}
	return g.level[t] >= 0
}

// dfs finds one augmenting path in the level graph. The graph has four
// layers plus back edges, so recursion stays shallow in practice and is
// bounded by the node count.
func (g *flowNet) dfs(u, t int, f int64) int64 {
	if u == t {
		return f
	}
	for ; g.iter[u] >= 0; g.iter[u] = g.next[g.iter[u]] {
		e := g.iter[u]
		g.work++
		v := int(g.to[e])
		if g.cap[e] <= 0 || g.level[v] != g.level[u]+1 {
			continue
		}
		if d := g.dfs(v, t, min(f, g.cap[e])); d > 0 {
			g.cap[e] -= d
			g.cap[e^1] += d
			return d
		}
	}
	return 0
}
