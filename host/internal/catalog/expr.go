package catalog

import (
	"strconv"
	"strings"
)

// Expr is a boolean expression over entities' search keys: conditions (a key exists, a
// key equals one of some values) combined with And, Or and Not. Keys and values compare
// as the filter parameter's do: lower-cased, over the rows Backstage's search table
// holds (dotted paths, arrays by element and as "path.<item>", relations as
// "relations.<type>" with lower-cased target refs). The index evaluates an Expr as set
// operations over its postings (index_expr.go); permission conditions become one
// (CriteriaExpr), and a View limits reads to one.
//
// The zero Expr matches every entity. Exprs are immutable and safe to share.
type Expr struct{ n *exprNode }

type exprOp uint8

const (
	opNone exprOp = iota + 1 // matches no entity
	opCond                   // a condition
	opAnd
	opOr
	opNot
)

type exprNode struct {
	op   exprOp
	cond condition   // opCond
	kids []*exprNode // opAnd, opOr (two or more), opNot (one)
	key  string      // the canonical form: String, and the query caches' key
}

var nothing = &exprNode{op: opNone, key: "none"}

// Nothing matches no entity: a DENY decision.
func Nothing() Expr { return Expr{nothing} }

// Exists matches the entities that have key (any value, or null).
func Exists(key string) Expr {
	return condExpr(condition{key: strings.ToLower(key), exists: true})
}

// Equals matches the entities whose key equals one of values (case-insensitively; an
// array matches if one of its elements does). Without values it matches nothing.
func Equals(key string, values ...string) Expr {
	c := condition{key: strings.ToLower(key), values: make([]string, len(values))}
	for i, v := range values {
		c.values[i] = strings.ToLower(v)
	}
	return condExpr(c)
}

func condExpr(c condition) Expr {
	var b strings.Builder
	b.WriteString(strconv.Quote(c.key))
	if c.values != nil {
		b.WriteString("=[")
		for i, v := range c.values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(v))
		}
		b.WriteByte(']')
	}
	return Expr{&exprNode{op: opCond, cond: c, key: b.String()}}
}

// And matches the entities that every x matches (every entity when there is none).
func And(xs ...Expr) Expr { return combine(opAnd, xs) }

// Or matches the entities that any x matches (none when there is none).
func Or(xs ...Expr) Expr { return combine(opOr, xs) }

// combine builds an And or Or, flattening nested ones of the same kind and settling
// the constants: for And, every entity is its identity and nothing absorbs; for Or the
// other way round.
func combine(op exprOp, xs []Expr) Expr {
	var kids []*exprNode
	var add func(n *exprNode) bool
	add = func(n *exprNode) bool {
		switch {
		case n == nil && op == opAnd, n == nothing && op == opOr:
			return true // the identity
		case n == nil || n == nothing:
			return false // absorbs the whole
		case n.op == op:
			for _, k := range n.kids {
				if !add(k) {
					return false
				}
			}
			return true
		}
		kids = append(kids, n)
		return true
	}
	for _, x := range xs {
		if !add(x.n) {
			return Expr{absorbing(op)}
		}
	}
	switch len(kids) {
	case 0:
		return Expr{identity(op)}
	case 1:
		return Expr{kids[0]}
	}
	var b strings.Builder
	if op == opAnd {
		b.WriteString("and(")
	} else {
		b.WriteString("or(")
	}
	for i, k := range kids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k.key)
	}
	b.WriteByte(')')
	return Expr{&exprNode{op: op, kids: kids, key: b.String()}}
}

func identity(op exprOp) *exprNode {
	if op == opAnd {
		return nil
	}
	return nothing
}

func absorbing(op exprOp) *exprNode {
	if op == opAnd {
		return nothing
	}
	return nil
}

// Not matches the entities x does not match.
func Not(x Expr) Expr {
	switch {
	case x.n == nil:
		return Nothing()
	case x.n == nothing:
		return Expr{}
	case x.n.op == opNot:
		return Expr{x.n.kids[0]}
	}
	return Expr{&exprNode{op: opNot, kids: []*exprNode{x.n}, key: "not(" + x.n.key + ")"}}
}

// All reports whether x matches every entity (it is the zero Expr, or built to be).
func (x Expr) All() bool { return x.n == nil }

// None reports whether x matches no entity by construction (Nothing, or built from it).
func (x Expr) None() bool { return x.n == nothing }

// String is x's canonical form, for logs and tests: "all", "none", a condition
// `"key"` (exists) or `"key"=["v1","v2"]`, and(...), or(...), not(...).
func (x Expr) String() string {
	if x.n == nil {
		return "all"
	}
	return x.n.key
}

// Expr is the filter as an expression: an Or of the Ands of its sets (every entity for
// an empty filter).
func (f Filter) Expr() Expr {
	sets := make([]Expr, 0, len(f))
	for _, set := range f {
		conds := make([]Expr, 0, len(set))
		for _, c := range set {
			if c.values == nil {
				conds = append(conds, condExpr(condition{key: c.key, exists: true}))
			} else {
				conds = append(conds, condExpr(condition{key: c.key, values: c.values}))
			}
		}
		sets = append(sets, And(conds...))
	}
	if len(sets) == 0 {
		return Expr{}
	}
	return Or(sets...)
}
