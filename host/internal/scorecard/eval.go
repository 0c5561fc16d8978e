package scorecard

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"

	"greenroom.dev/greenroom/host/internal/catalog"
)

// Rules are CEL expressions (github.com/google/cel-go): a sandboxed, side-effect-free
// language with a type checker, made for policies over untrusted input. A rule cannot
// read a file, call the network or loop forever: every evaluation runs under a cost
// limit (Config.CostLimit) that stops it, and the entity and its facts are its only
// inputs.

// newEnv is the environment rules compile in: entity and facts, with CEL's standard
// functions and its string extension.
func newEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("entity", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("facts", cel.MapType(cel.StringType, cel.DynType)),
		ext.Strings(),
	)
}

// compile checks one rule's expression: it must parse, type-check and be a boolean.
func compile(env *cel.Env, expr string) (*cel.Ast, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, errors.New("the expression is empty; write a CEL expression that is true when the entity passes, such as entity.spec.owner != \"\"")
	}
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("the expression does not compile: %s", oneLine(iss.Err().Error()))
	}
	if t := ast.OutputType(); !t.IsExactType(types.BoolType) && !t.IsExactType(types.DynType) {
		return nil, fmt.Errorf("the expression is a %s, not a boolean (true when the entity passes)", t)
	}
	return ast, nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " | ")), " ")
}

func parseFilter(f []string) (catalog.Filter, error) { return catalog.ParseFilter(f) }

// compiled is a scorecard ready to evaluate.
type compiled struct {
	def    Definition
	filter catalog.Filter
	rules  []compiledRule
	// levelOf[i] is the index in def.Levels of rule i's level.
	levelOf []int
}

type compiledRule struct {
	Rule
	prg cel.Program
}

// compileAll compiles a validated config's scorecards.
func compileAll(c Config) ([]*compiled, error) {
	var out []*compiled
	for _, d := range c.Definitions {
		cd, err := compileDefinition(d, c.CostLimit)
		if err != nil {
			return nil, err
		}
		out = append(out, cd)
	}
	return out, nil
}

func compileDefinition(d Definition, costLimit uint64) (*compiled, error) {
	f, err := parseFilter(d.Filter)
	if err != nil {
		return nil, fmt.Errorf("scorecard %s: filter: %w", d.ID, err)
	}
	levelIdx := map[string]int{}
	for i, l := range d.Levels {
		levelIdx[l.Name] = i
	}
	env, err := newEnv()
	if err != nil {
		return nil, err
	}
	cd := &compiled{def: d, filter: f}
	for _, r := range d.Rules {
		ast, err := compile(env, r.Expression)
		if err != nil {
			return nil, fmt.Errorf("scorecard %s, rule %s: %w", d.ID, r.ID, err)
		}
		prg, err := env.Program(ast, cel.CostLimit(costLimit), cel.EvalOptions(cel.OptOptimize))
		if err != nil {
			return nil, fmt.Errorf("scorecard %s, rule %s: %w", d.ID, r.ID, err)
		}
		cd.rules = append(cd.rules, compiledRule{Rule: r, prg: prg})
		cd.levelOf = append(cd.levelOf, levelIdx[r.Level])
	}
	return cd, nil
}
