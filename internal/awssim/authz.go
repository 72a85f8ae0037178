package awssim

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// CallerARN is the identity every call is made as: the user GetCallerIdentity names and
// the access-denied messages blame.
const CallerARN = "arn:aws:iam::" + Account + ":user/awssim"

// authzCheck is one authorization IAM makes for a call: an action on a resource, with the
// request's condition keys (lower-cased) for that evaluation.
type authzCheck struct {
	action   string
	resource string
	context  map[string][]string
}

// WithIdentityPolicy makes the simulator authorize every call as IAM would for a caller
// whose only permissions are this identity policy (a JSON policy document).
func WithIdentityPolicy(doc []byte) Option { return func(s *Sim) { s.policyDoc = doc } }

// SetIdentityPolicy replaces the identity policy (nil: every call is allowed) and starts a
// new record of used actions. Reset keeps both.
func (s *Sim) SetIdentityPolicy(doc []byte) error {
	var p *identityPolicy
	if doc != nil {
		var err error
		if p, err = parseIdentityPolicy(doc); err != nil {
			return fmt.Errorf("parse identity policy: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = p
	s.used = map[string]bool{}
	return nil
}

// UsedActions lists, sorted, the IAM actions the identity policy allowed since it was set
// (implied ones such as iam:PassRole included), so that a test can find the policy's
// unused grants.
func (s *Sim) UsedActions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.used))
}

// authorize evaluates every check the call needs; the first refused one is the call's
// access-denied error, in the service's protocol. It runs with s.mu held.
func (s *Sim) authorize(svc *Service, c *Call) error {
	if s.policy == nil {
		return nil
	}
	checks := s.authzChecks(svc, c)
	for _, ch := range checks {
		for k, v := range s.resourceTags(ch.resource) {
			key := "aws:resourcetag/" + strings.ToLower(k)
			if _, ok := ch.context[key]; !ok {
				ch.context[key] = []string{v}
			}
		}
		if d := s.policy.evaluate(ch.action, ch.resource, ch.context); d != allowed {
			return accessDenied(svc.Protocol, ch, d)
		}
	}
	for _, ch := range checks {
		s.used[ch.action] = true
	}
	return nil
}

// authzChecks applies the operation's rule (authzRules) to the request.
func (s *Sim) authzChecks(svc *Service, c *Call) []authzCheck {
	q := &authzQuery{sim: s, op: c.Op, region: c.Region, params: c.Params, http: c.HTTP, body: map[string]any{}}
	if svc.Protocol.isJSON() {
		_ = json.Unmarshal(c.Body, &q.body) // an undecodable body fails in the operation
	} else if svc.Protocol == RESTXML {
		q.raw = c.Body
	}
	rule := authzRules[svc.Name+":"+c.Op] // an operation without a rule is checked on "*"
	switch {
	case rule.none:
		return nil
	case rule.custom != nil:
		return rule.custom(q)
	}
	action := rule.action
	if action == "" {
		action = svc.Name + ":" + c.Op
	}
	ctx := map[string][]string{}
	if rule.tags != nil {
		tags, keys := rule.tags(q)
		addRequestTags(ctx, tags, keys)
	}
	if rule.keys != nil {
		for k, v := range rule.keys(q) {
			if len(v) > 0 && v[0] != "" {
				ctx[strings.ToLower(k)] = v
			}
		}
	}
	resources := []string{"*"}
	if rule.resources != nil {
		if r := rule.resources(q); len(r) > 0 {
			resources = r
		}
	}
	var checks []authzCheck
	for _, r := range resources {
		checks = append(checks, authzCheck{action: action, resource: r, context: maps.Clone(ctx)})
	}
	if rule.implied != nil {
		checks = append(checks, rule.implied(q)...)
	}
	return checks
}

// addRequestTags sets aws:RequestTag/<key> and aws:TagKeys; keys are the tag keys of a
// request that names keys only (an untag call).
func addRequestTags(ctx map[string][]string, tags map[string]string, keys []string) {
	for k, v := range tags {
		ctx["aws:requesttag/"+strings.ToLower(k)] = []string{v}
	}
	keys = append(keys, sortedKeys(tags)...)
	if len(keys) > 0 {
		ctx["aws:tagkeys"] = keys
	}
}

// accessDenied is the refusal in the protocol's own code: EC2's UnauthorizedOperation,
// the query and REST-XML services' AccessDenied (403), the JSON services'
// AccessDeniedException (400).
func accessDenied(p Protocol, ch authzCheck, d policyDecision) *APIError {
	why := "because no identity-based policy allows the " + ch.action + " action"
	if d == explicitDeny {
		why = "with an explicit deny in an identity-based policy"
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", CallerARN, ch.action, ch.resource, why)
	switch p {
	case EC2Query:
		return &APIError{Status: http.StatusForbidden, Code: "UnauthorizedOperation",
			Message: "You are not authorized to perform this operation. " + msg}
	case AWSQuery, RESTXML:
		return &APIError{Status: http.StatusForbidden, Code: "AccessDenied", Message: msg}
	}
	return Errorf("AccessDeniedException", "%s", msg)
}

// resourceTags reads the tags of the resource an ARN names from the simulator's state,
// without sweeping it (authorization must not change state); nil for "*", patterns and
// resources that do not exist.
func (s *Sim) resourceTags(arn string) map[string]string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || strings.Contains(arn, "*") {
		return nil
	}
	service, region, res := parts[2], parts[3], parts[5]
	svc := s.services[service]
	if svc == nil {
		return nil
	}
	switch st := svc.State.(type) {
	case *ec2State:
		if r := st.Regions[region]; r != nil {
			_, id, _ := strings.Cut(res, "/")
			return r.Tags[id]
		}
	case *iamState:
		if strings.HasPrefix(res, "policy/") {
			if p := st.policyByARN(arn); p != nil {
				return p.Tags
			}
			return nil
		}
		if role := st.Roles[strings.ToLower(res[strings.LastIndex(res, "/")+1:])]; role != nil && role.ARN == arn {
			return role.Tags
		}
	case *elbv2State:
		if r := st.Regions[region]; r != nil {
			return r.Tags[arn]
		}
	case *ecsState:
		return st.Regions[region].tagsByResource(res)
	case *acmState:
		if r := st.Regions[region]; r != nil {
			if cert := r.Certificates[arn]; cert != nil {
				return cert.Tags
			}
		}
	case *ecrState:
		if r := st.Regions[region]; r != nil {
			if repo := r.Repositories[strings.TrimPrefix(res, "repository/")]; repo != nil {
				return repo.Tags
			}
		}
	case *logsState:
		if r := st.Regions[region]; r != nil {
			if g := r.Groups[strings.TrimSuffix(strings.TrimPrefix(res, "log-group:"), ":*")]; g != nil {
				return g.Tags
			}
		}
	case *ssmState:
		if r := st.Regions[region]; r != nil {
			name := strings.TrimPrefix(res, "parameter/")
			if p := r.Parameters["/"+name]; p != nil {
				return p.Tags
			}
			if p := r.Parameters[name]; p != nil {
				return p.Tags
			}
		}
	case *codebuildState:
		if r := st.Regions[region]; r != nil {
			if p := r.Projects[strings.TrimPrefix(res, "project/")]; p != nil {
				return p.Tags
			}
		}
	case *codepipelineState:
		if r := st.Regions[region]; r != nil {
			if p := r.Pipelines[res]; p != nil {
				return p.Tags
			}
		}
	case *codestarState:
		if r := st.Regions[region]; r != nil {
			if cn := r.Connections[arn]; cn != nil {
				return cn.Tags
			}
		}
	case *aasState:
		if r := st.Regions[region]; r != nil {
			for _, t := range r.Targets {
				if t.ARN == arn {
					return t.Tags
				}
			}
		}
	}
	return nil
}

// tagsByResource finds the tags of an ECS resource ("cluster/x", "service/x/y",
// "task-definition/f:1", "task/x/id"); r may be nil.
func (r *ecsRegion) tagsByResource(res string) map[string]string {
	if r == nil {
		return nil
	}
	kind, rest, _ := strings.Cut(res, "/")
	switch kind {
	case "cluster":
		if cl := r.Clusters[rest]; cl != nil {
			return cl.Tags
		}
	case "service":
		clName, name, _ := strings.Cut(rest, "/")
		if cl := r.Clusters[clName]; cl != nil && cl.Services[name] != nil {
			return cl.Services[name].Tags
		}
	case "task-definition":
		if td := r.TaskDefs[rest]; td != nil {
			return td.Tags
		}
	case "task":
		_, id, _ := strings.Cut(rest, "/")
		if t := r.Tasks[id]; t != nil {
			return t.Tags
		}
	}
	return nil
}
