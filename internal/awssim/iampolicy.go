package awssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// identityPolicy is a parsed IAM identity-based policy, evaluated as IAM evaluates a
// caller's only policy: an explicit Deny wins, then any Allow, else the implicit deny.
// Policy variables are not expanded.
type identityPolicy struct {
	statements []policyStatement
}

type policyStatement struct {
	deny bool
	// actions are lower-cased: action names match case-insensitively.
	actions     []string
	notAction   bool
	resources   []string
	notResource bool
	conditions  []policyCondition
}

// policyCondition is one operator/key pair of a Condition block, with its values.
type policyCondition struct {
	op       conditionOperator
	set      setOperator
	ifExists bool
	key      string // lower-cased: condition key names are case-insensitive
	values   []string
}

type setOperator int

const (
	singleValued setOperator = iota
	forAllValues
	forAnyValue
)

// conditionOperator compares one request value with one policy value; a negated
// operator is true when no policy value matches.
type conditionOperator struct {
	match   func(policyValue, requestValue string) bool
	negated bool
	null    bool
}

var conditionOperators = map[string]conditionOperator{
	"stringequals":              {match: func(p, v string) bool { return p == v }},
	"stringnotequals":           {match: func(p, v string) bool { return p == v }, negated: true},
	"stringequalsignorecase":    {match: strings.EqualFold},
	"stringnotequalsignorecase": {match: strings.EqualFold, negated: true},
	"stringlike":                {match: wildcard},
	"stringnotlike":             {match: wildcard, negated: true},
	"arnequals":                 {match: arnLike},
	"arnlike":                   {match: arnLike},
	"arnnotequals":              {match: arnLike, negated: true},
	"arnnotlike":                {match: arnLike, negated: true},
	"bool":                      {match: strings.EqualFold},
	"null":                      {null: true},
}

// Policy is a parsed identity policy, for checking a policy against a table of requests
// without serving calls (config/iam's tests).
type Policy struct{ p *identityPolicy }

// ParsePolicy parses an identity policy document as WithIdentityPolicy does.
func ParsePolicy(doc []byte) (*Policy, error) {
	p, err := parseIdentityPolicy(doc)
	if err != nil {
		return nil, err
	}
	return &Policy{p: p}, nil
}

// Allows reports whether the policy allows action on resource for a request carrying
// these condition keys (names are case-insensitive; a key not in the map is one the
// request does not carry). It is the decision the simulator makes for each check of a call.
func (p *Policy) Allows(action, resource string, keys map[string][]string) bool {
	ctx := make(map[string][]string, len(keys))
	for k, v := range keys {
		ctx[strings.ToLower(k)] = v
	}
	return p.p.evaluate(action, resource, ctx) == allowed
}

// policyDecision is the outcome of evaluating one action on one resource.
type policyDecision int

const (
	implicitDeny policyDecision = iota
	allowed
	explicitDeny
)

// parseIdentityPolicy reads a policy document, refusing what IAM refuses to attach as an
// identity policy (a Principal, a statement without an action or resource, an unknown
// condition operator).
func parseIdentityPolicy(doc []byte) (*identityPolicy, error) {
	var raw struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, fmt.Errorf("decode policy: %w", err)
	}
	var stmts []json.RawMessage
	if s := bytes.TrimSpace(raw.Statement); len(s) > 0 && s[0] == '{' {
		stmts = []json.RawMessage{s}
	} else if err := json.Unmarshal(raw.Statement, &stmts); err != nil || len(stmts) == 0 {
		return nil, errors.New("policy has no Statement")
	}
	p := &identityPolicy{}
	for i, s := range stmts {
		st, err := parseStatement(s)
		if err != nil {
			return nil, fmt.Errorf("statement %d: %w", i+1, err)
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

func parseStatement(b []byte) (policyStatement, error) {
	var raw struct {
		Effect                                   string
		Principal, NotPrincipal                  json.RawMessage
		Action, NotAction, Resource, NotResource json.RawMessage
		Condition                                map[string]map[string]json.RawMessage
	}
	var st policyStatement
	if err := json.Unmarshal(b, &raw); err != nil {
		return st, fmt.Errorf("decode: %w", err)
	}
	switch raw.Effect {
	case "Allow":
	case "Deny":
		st.deny = true
	default:
		return st, fmt.Errorf("Effect %q is neither Allow nor Deny", raw.Effect)
	}
	if raw.Principal != nil || raw.NotPrincipal != nil {
		return st, errors.New("an identity policy must not name a Principal")
	}
	var err error
	if st.actions, st.notAction, err = eitherList("Action", raw.Action, raw.NotAction); err != nil {
		return st, err
	}
	for i, a := range st.actions {
		st.actions[i] = strings.ToLower(a)
	}
	if st.resources, st.notResource, err = eitherList("Resource", raw.Resource, raw.NotResource); err != nil {
		return st, err
	}
	for name, keys := range raw.Condition {
		for key, vals := range keys {
			c, err := parseCondition(name, key, vals)
			if err != nil {
				return st, err
			}
			st.conditions = append(st.conditions, c)
		}
	}
	return st, nil
}

// eitherList reads X or NotX, exactly one of which a statement has.
func eitherList(name string, x, notX json.RawMessage) ([]string, bool, error) {
	if (x == nil) == (notX == nil) {
		return nil, false, fmt.Errorf("want exactly one of %s and Not%s", name, name)
	}
	raw, not := x, false
	if x == nil {
		raw, not = notX, true
	}
	vals, err := policyValues(raw)
	if err != nil || len(vals) == 0 {
		return nil, false, fmt.Errorf("%s must be a string or a list of strings", name)
	}
	return vals, not, nil
}

func parseCondition(name, key string, raw json.RawMessage) (policyCondition, error) {
	c := policyCondition{key: strings.ToLower(key)}
	base := name
	if p, rest, ok := strings.Cut(base, ":"); ok {
		switch p {
		case "ForAllValues":
			c.set = forAllValues
		case "ForAnyValue":
			c.set = forAnyValue
		default:
			return c, fmt.Errorf("unknown set operator %q", p)
		}
		base = rest
	}
	if b, ok := strings.CutSuffix(base, "IfExists"); ok {
		base, c.ifExists = b, true
	}
	op, ok := conditionOperators[strings.ToLower(base)]
	if !ok || (op.null && (c.ifExists || c.set != singleValued)) {
		return c, fmt.Errorf("unsupported condition operator %q", name)
	}
	c.op = op
	vals, err := policyValues(raw)
	if err != nil {
		return c, fmt.Errorf("condition %s %s: %w", name, key, err)
	}
	c.values = vals
	return c, nil
}

// policyValues reads a string, boolean or number, or a list of them, as strings.
func policyValues(raw json.RawMessage) ([]string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		switch x := it.(type) {
		case string:
			out = append(out, x)
		case bool:
			out = append(out, strconv.FormatBool(x))
		case float64:
			out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
		default:
			return nil, fmt.Errorf("value %v is not a string, boolean or number", it)
		}
	}
	return out, nil
}

// evaluate decides one action on one resource. ctx maps lower-cased condition keys to
// the request's values; an absent key is a key the request does not carry.
func (p *identityPolicy) evaluate(action, resource string, ctx map[string][]string) policyDecision {
	decision := implicitDeny
	action = strings.ToLower(action)
	for i := range p.statements {
		st := &p.statements[i]
		if !st.applies(action, resource, ctx) {
			continue
		}
		if st.deny {
			return explicitDeny
		}
		decision = allowed
	}
	return decision
}

func (st *policyStatement) applies(action, resource string, ctx map[string][]string) bool {
	if matchesAny(st.actions, action) == st.notAction {
		return false
	}
	if matchesAny(st.resources, resource) == st.notResource {
		return false
	}
	for _, c := range st.conditions {
		if !c.holds(ctx) {
			return false
		}
	}
	return true
}

func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcard(p, s) {
			return true
		}
	}
	return false
}

// holds evaluates a condition. Values of one key are ORed; a negated operator holds when
// none matches. A key the request lacks fails the condition, except for negated
// operators, ...IfExists, ForAllValues (vacuously true) and Null.
func (c *policyCondition) holds(ctx map[string][]string) bool {
	have := ctx[c.key]
	present := len(have) > 0
	if c.op.null {
		for _, v := range c.values {
			if strings.EqualFold(v, "true") != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.ifExists, c.set == forAllValues:
			return true
		case c.set == forAnyValue:
			return false
		}
		return c.op.negated
	}
	switch c.set {
	case forAllValues:
		for _, v := range have {
			if !c.holdsFor([]string{v}) {
				return false
			}
		}
		return true
	case forAnyValue:
		for _, v := range have {
			if c.holdsFor([]string{v}) {
				return true
			}
		}
		return false
	}
	return c.holdsFor(have)
}

// holdsFor is true when any request value matches any policy value, inverted for a
// negated operator.
func (c *policyCondition) holdsFor(have []string) bool {
	for _, v := range have {
		for _, p := range c.values {
			if c.op.match(p, v) {
				return !c.op.negated
			}
		}
	}
	return c.op.negated
}

// arnLike compares an ARN with a pattern component by component, each component with
// * and ? wildcards, as ArnLike and ArnEquals do. A pattern without six components
// (such as "*") is matched as a whole.
func arnLike(pattern, arn string) bool {
	p, a := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(p) != 6 {
		return wildcard(pattern, arn)
	}
	if len(a) != 6 {
		return false
	}
	for i := range p {
		if !wildcard(p[i], a[i]) {
			return false
		}
	}
	return true
}
