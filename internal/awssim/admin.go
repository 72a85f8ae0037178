package awssim

import (
	"encoding/json"
	"net/http"
)

const adminPrefix = "/_awssim/"

// faultRequest is the body of POST /_awssim/faults.
type faultRequest struct {
	Faults
	FailNext       []failRule `json:"failNext,omitempty"`
	DropAnswerNext []dropRule `json:"dropAnswerNext,omitempty"`
}

// serveAdmin exposes the test controls over HTTP:
//
//	GET  /_awssim/inventory  live resources (JSON list)
//	GET  /_awssim/calls      call counters
//	POST /_awssim/reset      empty all state
//	POST /_awssim/faults     {"throttleRate":0.2,"errorRate":0.1,"dropRate":0.05,"latency":"100ms","only":["ec2"],
//	                          "failNext":[{"op":"ec2:CreateVpc","code":"InternalError","count":2}],
//	                          "dropAnswerNext":[{"op":"ecs:CreateService","count":1}]}
//	POST /_awssim/save       write the state file now
//	POST /_awssim/connections/approve  {"arn":"..."}: complete a CodeStar connection's handshake
//	POST /_awssim/github/tokens  {"owner","repo","token"}: a token GitHub accepts for the repo
//	POST /_awssim/github/push    {"owner","repo","branch","commit","fail"}: push a commit; answers
//	                             {"executions":[{"region","pipeline","executionId"}]}
//	POST /_awssim/images/health  {"image":"...","healthy":false}: the targets of tasks running
//	                             the image fail (or pass) their load balancer health checks
func (s *Sim) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path[len(adminPrefix):]
	switch {
	case path == "inventory" && r.Method == http.MethodGet:
		writeJSON(w, s.ListLive())
	case path == "calls" && r.Method == http.MethodGet:
		writeJSON(w, s.Calls())
	case path == "reset" && r.Method == http.MethodPost:
		s.Reset()
		if err := s.Save(); err != nil { // a restarted server must not bring the old state back
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case path == "faults" && r.Method == http.MethodPost:
		var req faultRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "decode faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.SetFaults(req.Faults)
		for _, f := range req.FailNext {
			s.FailNext(f.Op, f.Code, f.Count)
		}
		for _, d := range req.DropAnswerNext {
			s.DropAnswerNext(d.Op, d.Count)
		}
		w.WriteHeader(http.StatusNoContent)
	case path == "save" && r.Method == http.MethodPost:
		if err := s.Save(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case path == "connections/approve" && r.Method == http.MethodPost:
		s.serveApproveConnection(w, r)
	case path == "github/tokens" && r.Method == http.MethodPost:
		s.serveGitHubTokens(w, r)
	case path == "github/push" && r.Method == http.MethodPost:
		s.serveGitHubPush(w, r)
	case path == "images/health" && r.Method == http.MethodPost:
		s.serveImageHealth(w, r)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
