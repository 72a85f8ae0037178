package awssim

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Pipeline triggers: what a push to the simulated GitHub (Sim.PushGitHub) starts.
//
// A V2 pipeline may declare triggers, one per CodeStarSourceConnection source action; a
// trigger without filters fires on pushes to the action's BranchName, one with push filters
// on pushes to a branch its branch patterns admit. A source action without a trigger (every
// action of a V1 pipeline) uses DetectChanges (default true) on its BranchName. A GitHub
// version 1 action polls its Branch unless PollForSourceChanges is false.

// cpTrigger is a PipelineTriggerDeclaration as the SDK serializes it.
type cpTrigger struct {
	ProviderType     string       `json:"providerType"`
	GitConfiguration *cpGitConfig `json:"gitConfiguration,omitempty"`
}

type cpGitConfig struct {
	SourceActionName string        `json:"sourceActionName"`
	Push             []cpGitFilter `json:"push,omitempty"`
	PullRequest      []cpGitFilter `json:"pullRequest,omitempty"`
}

// cpGitFilter is a GitPushFilter (branches, file paths, tags) or a GitPullRequestFilter
// (branches, file paths, events).
type cpGitFilter struct {
	Branches  *cpPatterns `json:"branches,omitempty"`
	FilePaths *cpPatterns `json:"filePaths,omitempty"`
	Tags      *cpPatterns `json:"tags,omitempty"`
	Events    []string    `json:"events,omitempty"`
}

type cpPatterns struct {
	Includes []string `json:"includes,omitempty"`
	Excludes []string `json:"excludes,omitempty"`
}

// cpPush is the commit a push trigger hands to the execution it starts.
type cpPush struct {
	Action string `json:"action"` // the source action that fetches it
	Branch string `json:"branch"`
	Commit string `json:"commit"`
}

// validateTriggers checks the triggers of a declaration whose stages are valid.
func validateTriggers(d *cpDeclaration) error {
	if len(d.Triggers) == 0 {
		return nil
	}
	if d.PipelineType != "V2" {
		return cpStructure("Triggers can only be used with V2 pipelines")
	}
	if len(d.Triggers) > 50 {
		return cpValidation("1 validation error detected: Value at 'pipeline.triggers' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	combination := cpStructure("The trigger configuration for the source action is not valid. Make sure to choose valid filter combinations.")
	seen := map[string]bool{}
	for i, t := range d.Triggers {
		field := fmt.Sprintf("pipeline.triggers.%d.member", i+1)
		if t.ProviderType != "CodeStarSourceConnection" {
			return cpValidation("1 validation error detected: Value '%s' at '%s.providerType' failed to satisfy constraint: Member must satisfy enum value set: [CodeStarSourceConnection]", t.ProviderType, field)
		}
		g := t.GitConfiguration
		if g == nil {
			return cpValidation("1 validation error detected: Value null at '%s.gitConfiguration' failed to satisfy constraint: Member must not be null", field)
		}
		j := slices.IndexFunc(d.Stages[0].Actions, func(a cpAction) bool { return a.Name == g.SourceActionName })
		if j < 0 || d.Stages[0].Actions[j].ActionTypeID.Provider != "CodeStarSourceConnection" || seen[g.SourceActionName] {
			return cpStructure("Triggers for connection must reference a CodeStarSourceConnection action. Note that when you specify a trigger, you cant specify more than one trigger per source action.")
		}
		seen[g.SourceActionName] = true
		if len(g.Push) > 3 || len(g.PullRequest) > 3 {
			return cpValidation("1 validation error detected: Value at '%s.gitConfiguration' failed to satisfy constraint: push and pullRequest must have length less than or equal to 3", field)
		}
		// Valid push filters: tags; branches; branches and file paths. Pull request
		// filters: branches, optionally with file paths.
		for _, f := range g.Push {
			if len(f.Events) > 0 || (f.Tags != nil) == (f.Branches != nil) || (f.FilePaths != nil && f.Branches == nil) {
				return combination
			}
		}
		for _, f := range g.PullRequest {
			if f.Tags != nil || f.Branches == nil {
				return combination
			}
			for _, ev := range f.Events {
				if ev != "OPEN" && ev != "UPDATED" && ev != "CLOSED" {
					return cpValidation("1 validation error detected: Value '%s' at '%s.gitConfiguration.pullRequest.member.events.member' failed to satisfy constraint: Member must satisfy enum value set: [OPEN, UPDATED, CLOSED]", ev, field)
				}
			}
		}
		for _, f := range slices.Concat(g.Push, g.PullRequest) {
			for _, p := range []*cpPatterns{f.Branches, f.FilePaths, f.Tags} {
				if err := p.validate(field); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (p *cpPatterns) validate(field string) error {
	if p == nil {
		return nil
	}
	for _, list := range [][]string{p.Includes, p.Excludes} {
		if len(list) > 8 {
			return cpValidation("1 validation error detected: Value at '%s.gitConfiguration' failed to satisfy constraint: includes and excludes must have length less than or equal to 8", field)
		}
		for _, pattern := range list {
			if len(pattern) < 1 || len(pattern) > 255 {
				return cpValidation("1 validation error detected: Value '%s' at '%s.gitConfiguration' failed to satisfy constraint: a pattern must have length between 1 and 255", pattern, field)
			}
		}
	}
	return nil
}

// trigger is the declaration's trigger of a source action (nil when it has none).
func (d *cpDeclaration) trigger(action string) *cpTrigger {
	for i := range d.Triggers {
		if g := d.Triggers[i].GitConfiguration; g != nil && g.SourceActionName == action {
			return &d.Triggers[i]
		}
	}
	return nil
}

// firesOnPush reports whether the trigger starts the pipeline on a push to branch.
func (g *cpGitConfig) firesOnPush(branch, actionBranch string) bool {
	if len(g.Push) == 0 && len(g.PullRequest) == 0 {
		return branch == actionBranch
	}
	for _, f := range g.Push {
		if f.Branches != nil && f.Branches.admit(branch) {
			return true
		}
	}
	return false
}

// admit reports whether name matches an include (or there are none) and no exclude:
// excludes take priority.
func (p *cpPatterns) admit(name string) bool {
	if slices.ContainsFunc(p.Excludes, func(x string) bool { return globMatch(x, name) }) {
		return false
	}
	return len(p.Includes) == 0 || slices.ContainsFunc(p.Includes, func(x string) bool { return globMatch(x, name) })
}

// globMatch matches name against a CodePipeline glob pattern: * is any run of characters
// but "/", ** any run at all, ? one character but "/", [abc] and [!abc] a set and its
// complement, {a,b} alternatives, and a backslash escapes the next character. A malformed
// pattern matches nothing.
func globMatch(pattern, name string) bool {
	re, err := globRegexp(pattern)
	return err == nil && re.MatchString(name)
}

func globRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	depth := 0
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\' && i+1 < len(pattern):
			i++
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		case c == '*' && strings.HasPrefix(pattern[i:], "**"):
			i++
			b.WriteString(".*")
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 1 {
				return nil, fmt.Errorf("glob %q: unterminated character set", pattern)
			}
			set := strings.ReplaceAll(pattern[i+1:i+1+end], `\`, `\\`)
			if rest, ok := strings.CutPrefix(set, "!"); ok {
				set = "^" + rest
			}
			b.WriteString("[" + set + "]")
			i += end + 1
		case c == '{':
			depth++
			b.WriteString("(?:")
		case c == '}' && depth > 0:
			depth--
			b.WriteString(")")
		case c == ',' && depth > 0:
			b.WriteString("|")
		default:
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		}
	}
	if depth > 0 {
		return nil, fmt.Errorf("glob %q: unterminated group", pattern)
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// pushTrigger decides whether a push to owner/repo's branch starts the pipeline through
// source action a, and with which trigger type and detail. A connection action needs an
// AVAILABLE connection: a pending one delivers no events.
func (s *codepipelineState) pushTrigger(region string, d *cpDeclaration, a cpAction, owner, repo, branch string) (triggerType, detail string, ok bool) {
	cfg := a.Configuration
	switch a.ActionTypeID.Provider {
	case "CodeStarSourceConnection":
		conn := cfg["ConnectionArn"]
		if !strings.EqualFold(cfg["FullRepositoryId"], owner+"/"+repo) || s.connectionStatus(region, conn) != "AVAILABLE" {
			return "", "", false
		}
		if t := d.trigger(a.Name); t != nil {
			return "WebhookV2", conn, t.GitConfiguration.firesOnPush(branch, cfg["BranchName"])
		}
		return "CloudWatchEvent", conn, branch == cfg["BranchName"] && !strings.EqualFold(cfg["DetectChanges"], "false")
	case "GitHub":
		if !strings.EqualFold(cfg["Owner"], owner) || !strings.EqualFold(cfg["Repo"], repo) || branch != cfg["Branch"] {
			return "", "", false
		}
		return "PollForSourceChanges", a.Name, !strings.EqualFold(cfg["PollForSourceChanges"], "false")
	}
	return "", "", false
}

// onPush starts an execution of every pipeline that a push of commit to owner/repo's
// branch triggers, at most one per pipeline; the lock must be held.
func (s *codepipelineState) onPush(owner, repo, branch, commit string, now time.Time) []StartedExecution {
	started := []StartedExecution{}
	for _, region := range slices.Sorted(maps.Keys(s.Regions)) {
		pipelines := s.regionNamed(region).Pipelines
		for _, name := range slices.Sorted(maps.Keys(pipelines)) {
			p := pipelines[name]
			s.advance(region, p, now)
			d := p.current()
			for _, a := range d.Stages[0].Actions {
				triggerType, detail, ok := s.pushTrigger(region, d, a, owner, repo, branch)
				if !ok {
					continue
				}
				e := s.start(p, now, triggerType, detail)
				e.Push = &cpPush{Action: a.Name, Branch: branch, Commit: commit}
				s.advance(region, p, now)
				started = append(started, StartedExecution{Region: region, Pipeline: name, ExecutionID: e.ID})
				break
			}
		}
	}
	return started
}
