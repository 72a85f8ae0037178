package awssim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

func init() { register(newGitHub) }

// githubState stands in for GitHub, the one system outside AWS the CI/CD stack talks to:
// the branch heads tests push, the commits whose build fails, and the OAuth tokens a GitHub
// version 1 source action may use. It is registered as a service so that it persists and
// resets with the rest of the state; it serves no AWS operations and owns no resources.
type githubState struct {
	Repos map[string]*githubRepo `json:"repos"` // by lower-case "owner/repo": GitHub names ignore case
	// Failing holds the commits whose build fails (PushGitHub with fail set).
	Failing map[string]bool `json:"failing"`
}

type githubRepo struct {
	Branches map[string]string `json:"branches"` // branch → head commit
	Tokens   []string          `json:"tokens,omitempty"`
}

func newGitHub(*Sim) *Service {
	st := &githubState{}
	st.Reset()
	return &Service{Name: "github", Protocol: JSON11, State: st, Ops: map[string]Op{}}
}

func (g *githubState) Reset() {
	g.Repos = map[string]*githubRepo{}
	g.Failing = map[string]bool{}
}

// Live lists nothing: GitHub is not AWS, and leak checks look for AWS resources.
func (g *githubState) Live(time.Time) []Resource { return nil }

func (g *githubState) repo(fullName string) *githubRepo {
	key := strings.ToLower(fullName)
	r, ok := g.Repos[key]
	if !ok {
		r = &githubRepo{}
		g.Repos[key] = r
	}
	if r.Branches == nil {
		r.Branches = map[string]string{}
	}
	return r
}

// head is the last commit pushed to a branch ("" when none was).
func (g *githubState) head(fullName, branch string) string {
	if r, ok := g.Repos[strings.ToLower(fullName)]; ok {
		return r.Branches[branch]
	}
	return ""
}

// tokenValid reports whether token was registered for the repository.
func (g *githubState) tokenValid(fullName, token string) bool {
	r, ok := g.Repos[strings.ToLower(fullName)]
	return ok && token != "" && slices.Contains(r.Tokens, token)
}

// github is the simulator's GitHub; the lock must be held.
func (s *Sim) github() *githubState { return s.services["github"].State.(*githubState) }

// ErrInvalidGitHubRequest is returned by RegisterGitHubToken and PushGitHub for a request
// that names no repository, branch or well-formed commit.
var ErrInvalidGitHubRequest = errors.New("invalid GitHub request")

// RegisterGitHubToken makes token one that GitHub accepts for owner/repo, as a person
// creating a personal access token would: a GitHub version 1 source action with that
// OAuthToken can fetch the repository.
func (s *Sim) RegisterGitHubToken(owner, repo, token string) error {
	if owner == "" || repo == "" || token == "" {
		return fmt.Errorf("register token: owner, repo and token are required: %w", ErrInvalidGitHubRequest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.github().repo(owner + "/" + repo)
	if !slices.Contains(r.Tokens, token) {
		r.Tokens = append(r.Tokens, token)
	}
	return s.saveIfPersistent()
}

// StartedExecution names a pipeline execution a push started.
type StartedExecution struct {
	Region      string `json:"region"`
	Pipeline    string `json:"pipeline"`
	ExecutionID string `json:"executionId"`
}

// PushGitHub records commit as the head of owner/repo's branch, as a git push does, and
// starts an execution of every pipeline (any region) whose source action that push
// triggers (see codepipelineState.pushTrigger). Each execution fetches exactly this commit.
// With fail set, every CodeBuild build of the commit fails in its BUILD phase, as broken
// code would. Pushes carry no file list: file path filters of triggers are not evaluated.
func (s *Sim) PushGitHub(owner, repo, branch, commit string, fail bool) ([]StartedExecution, error) {
	if owner == "" || repo == "" || branch == "" {
		return nil, fmt.Errorf("push: owner, repo and branch are required: %w", ErrInvalidGitHubRequest)
	}
	if !cbCommitRE.MatchString(commit) {
		return nil, fmt.Errorf("push to %s/%s@%s: commit %q is not a full 40-digit lower-case SHA: %w", owner, repo, branch, commit, ErrInvalidGitHubRequest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	gh := s.github()
	gh.repo(owner + "/" + repo).Branches[branch] = commit
	if fail {
		gh.Failing[commit] = true
	} else {
		delete(gh.Failing, commit)
	}
	started := []StartedExecution{}
	if svc := s.services["codepipeline"]; svc != nil {
		started = svc.State.(*codepipelineState).onPush(owner, repo, branch, commit, s.Now())
	}
	return started, s.saveIfPersistent()
}

// saveIfPersistent writes the state file after a test control changed state; the lock
// must be held.
func (s *Sim) saveIfPersistent() error {
	if s.statePath == "" {
		return nil
	}
	return s.saveLocked()
}

// serveGitHubTokens is POST /_awssim/github/tokens {"owner","repo","token"}.
func (s *Sim) serveGitHubTokens(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Owner string `json:"owner"`
		Repo  string `json:"repo"`
		Token string `json:"token"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "decode token request: want {\"owner\",\"repo\",\"token\"}: "+err.Error(), http.StatusBadRequest)
		return
	}
	writeControlResult(w, s.RegisterGitHubToken(req.Owner, req.Repo, req.Token), nil)
}

// serveGitHubPush is POST /_awssim/github/push {"owner","repo","branch","commit","fail"};
// it answers {"executions": [...]} with the executions the push started.
func (s *Sim) serveGitHubPush(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Owner  string `json:"owner"`
		Repo   string `json:"repo"`
		Branch string `json:"branch"`
		Commit string `json:"commit"`
		Fail   bool   `json:"fail"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "decode push request: want {\"owner\",\"repo\",\"branch\",\"commit\",\"fail\"}: "+err.Error(), http.StatusBadRequest)
		return
	}
	started, err := s.PushGitHub(req.Owner, req.Repo, req.Branch, req.Commit, req.Fail)
	writeControlResult(w, err, map[string]any{"executions": started})
}

// writeControlResult answers a test control: 400 for a bad request, 500 when the state
// could not be saved, else out as JSON (204 when there is nothing to say).
func writeControlResult(w http.ResponseWriter, err error, out any) {
	switch {
	case errors.Is(err, ErrInvalidGitHubRequest):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	case out == nil:
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, out)
	}
}
