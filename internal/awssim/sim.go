package awssim

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Sim is the simulator: an http.Handler serving every registered service.
type Sim struct {
	mu        sync.Mutex
	clock     Clock
	timeScale float64
	latencies map[string]time.Duration
	pageSize  int
	statePath string

	services map[string]*Service // by signing name
	order    []string            // service names, sorted

	faults   Faults
	rnd      *rand.Rand // decides which calls the fault shares hit; guarded by mu
	failNext []failRule
	dropNext []dropRule
	injected Injected
	calls    map[string]int

	policyDoc []byte          // WithIdentityPolicy's document, parsed by New
	policy    *identityPolicy // nil: every call is allowed
	used      map[string]bool // actions the policy allowed, for UsedActions

	images map[string]imageHealth // SetImageHealth; images not in it are healthy
}

// Option configures New.
type Option func(*Sim)

// WithClock replaces the wall clock, typically with a *ManualClock.
func WithClock(c Clock) Option { return func(s *Sim) { s.clock = c } }

// WithTimeScale multiplies every latency but retention periods: 1 is AWS-like, 0.01 is fast,
// 0 is instant.
func WithTimeScale(f float64) Option { return func(s *Sim) { s.timeScale = f } }

// WithLatency overrides the unscaled latency of one kind.
func WithLatency(kind string, d time.Duration) Option {
	return func(s *Sim) { s.latencies[kind] = d }
}

// WithPageSize sets the default page size of paginated operations.
func WithPageSize(n int) Option { return func(s *Sim) { s.pageSize = n } }

// WithRandSource draws the injected fault shares from src, so that a test with a seeded
// source (rand.NewPCG(1, 2)) hits the same calls on every run.
func WithRandSource(src rand.Source) Option { return func(s *Sim) { s.rnd = rand.New(src) } }

// WithStateFile loads state from path (if it exists) and saves it there after every
// mutating call, so a restarted server keeps its resources.
func WithStateFile(path string) Option { return func(s *Sim) { s.statePath = path } }

// New builds a simulator with every registered service.
func New(opts ...Option) (*Sim, error) {
	s := &Sim{
		clock:     realClock{},
		timeScale: 1,
		latencies: map[string]time.Duration{},
		pageSize:  DefaultPageSize,
		services:  map[string]*Service{},
		calls:     map[string]int{},
		rnd:       rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
	for k, v := range DefaultLatencies {
		s.latencies[k] = v
	}
	for _, o := range opts {
		o(s)
	}
	for _, f := range registry {
		svc := f(s)
		s.services[svc.Name] = svc
		s.order = append(s.order, svc.Name)
	}
	sort.Strings(s.order)
	if err := s.SetIdentityPolicy(s.policyDoc); err != nil {
		return nil, err
	}
	if s.statePath != "" {
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Now is the simulated time.
func (s *Sim) Now() time.Time { return s.clock.Now().UTC() }

// Delay is the latency of a kind multiplied by the time scale; retention periods are not
// scaled (see unscaled).
func (s *Sim) Delay(kind string) time.Duration {
	if unscaled[kind] {
		return s.latencies[kind]
	}
	return time.Duration(float64(s.latencies[kind]) * s.timeScale)
}

// scaled multiplies a duration that comes from a resource's own settings (a health check
// interval, a grace period) by the time scale, as Delay does for the latency kinds.
func (s *Sim) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.timeScale)
}

// PageSize is the default page size for Paginate.
func (s *Sim) PageSize() int { return s.pageSize }

// Service returns a registered service by signing name, for cross-service lookups.
func (s *Sim) Service(name string) *Service { return s.services[name] }

// Reset empties every service's state, faults and call and fault counters.
func (s *Sim) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, svc := range s.services {
		svc.State.Reset()
	}
	s.faults = Faults{}
	s.failNext = nil
	s.dropNext = nil
	s.injected = Injected{}
	s.calls = map[string]int{}
	s.images = nil
}

// ListLive lists every live resource of every service, sorted by service, type and ID.
func (s *Sim) ListLive() []Resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	out := []Resource{} // an empty inventory is [], not null, on the admin endpoint
	for _, name := range s.order {
		out = append(out, s.services[name].State.Live(now)...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.ID < b.ID
	})
	return out
}

// Calls returns the call counters, keyed "service:Operation" (every request counts,
// including injected failures, so retries are visible).
func (s *Sim) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// CallCount returns how many times service:op was called.
func (s *Sim) CallCount(service, op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[service+":"+op]
}

var scopeRE = regexp.MustCompile(`Credential=[^/,]+/\d{8}/([^/,]+)/([^/,]+)/aws4_request`)

// credentialScope extracts region and signing name from SigV4 (header or presigned query).
func credentialScope(r *http.Request) (region, service string) {
	if m := scopeRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1], m[2]
	}
	if cred := r.URL.Query().Get("X-Amz-Credential"); cred != "" {
		if parts := strings.Split(cred, "/"); len(parts) == 5 {
			return parts[2], parts[3]
		}
	}
	return "", ""
}

// route finds the service and operation of a request.
func (s *Sim) route(r *http.Request, body []byte, scopeService string) (*Service, string, *Params) {
	if isCBOR(r) {
		name, op := cborTarget(r.URL.Path)
		for _, n := range s.order {
			if svc := s.services[n]; svc.CBOR && svc.TargetPrefix == name {
				return svc, op, nil
			}
		}
		return nil, op, nil
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, op, _ := strings.Cut(target, ".")
		for _, name := range s.order {
			if svc := s.services[name]; svc.TargetPrefix == prefix {
				return svc, op, nil
			}
		}
		return nil, op, nil
	}
	svc := s.services[scopeService]
	if svc != nil && (svc.Protocol == RESTXML) {
		return svc, svc.Route(r), nil
	}
	form := r.URL.Query()
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if v, err := url.ParseQuery(string(body)); err == nil {
			for k, vals := range v {
				form[k] = vals
			}
		}
	}
	action := form.Get("Action")
	if svc == nil && action != "" {
		for _, name := range s.order { // unsigned request: first service with the action
			if _, ok := s.services[name].Ops[action]; ok {
				svc = s.services[name]
				break
			}
		}
	}
	if svc == nil && action == "" && scopeService == "" { // unsigned REST: anonymous S3
		if s3 := s.services["s3"]; s3 != nil {
			return s3, s3.Route(r), nil
		}
	}
	return svc, action, ParseParams(form)
}

// ServeHTTP routes a request to its service, applies injected faults and runs the op.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	requestID := newRequestID()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	region, scopeService := credentialScope(r)
	if region == "" {
		region = "us-east-1"
	}
	svc, op, params := s.route(r, body, scopeService)
	if svc == nil || len(svc.Ops) == 0 { // no operations: state only (the simulated GitHub)
		writeError(w, protocolOf(r, scopeService, op), "", requestID, Errorf("UnknownService", "no simulated service for %q", scopeService))
		return
	}
	proto := svc.Protocol
	if isCBOR(r) {
		proto = RPCv2CBOR
		var decErr *APIError
		if body, decErr = cborToJSON(body); decErr != nil {
			writeError(w, proto, "", requestID, decErr)
			return
		}
	}
	s.mu.Lock()
	s.calls[svc.Name+":"+op]++
	fault, latency := s.injectedFault(svc, op)
	s.mu.Unlock()
	if latency > 0 {
		time.Sleep(latency)
	}
	if fault != nil {
		writeError(w, proto, svc.XMLNS, requestID, fault)
		return
	}
	fn, ok := svc.Ops[op]
	if !ok {
		code := "InvalidAction"
		if svc.Protocol.isJSON() {
			code = "UnknownOperationException"
		}
		writeError(w, proto, svc.XMLNS, requestID, Errorf(code, "operation %q is not simulated by %s", op, svc.Name))
		return
	}
	c := &Call{Service: svc.Name, Op: op, Region: region, RequestID: requestID, Params: params, Body: body, HTTP: r, sim: s}
	s.mu.Lock()
	c.Now = s.Now()
	var out any
	opErr := s.authorize(svc, c) // IAM answers before the service looks at the request
	if dry, _ := params.Bool("DryRun"); opErr == nil && dry && svc.Protocol == EC2Query {
		opErr = Errorf("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	if opErr == nil {
		out, opErr = fn(c)
	}
	var saveErr error
	if opErr == nil && s.statePath != "" && mutating(op) {
		saveErr = s.saveLocked()
	}
	drop := s.answerDropped(svc, op)
	s.mu.Unlock()
	if drop {
		dropAnswer(w)
		return
	}
	if err := errors.Join(opErr, saveErr); err != nil {
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			apiErr = &APIError{Status: http.StatusInternalServerError, Code: "InternalError", Message: err.Error()}
		}
		writeError(w, proto, svc.XMLNS, requestID, apiErr)
		return
	}
	if err := writeResult(w, proto, svc, c, out); err != nil {
		writeError(w, proto, svc.XMLNS, requestID,
			&APIError{Status: http.StatusInternalServerError, Code: "InternalError", Message: fmt.Sprintf("encode %s: %v", op, err)})
	}
}

// restXMLServices are the signing names of REST services with XML bodies, besides S3; other
// REST services speak restJson1.
var restXMLServices = map[string]bool{"route53": true, "cloudfront": true}

// protocolOf guesses the protocol of a request for a service the simulator lacks, so that the
// caller's SDK still decodes an API error code from the envelope it expects. op is what route
// found: the X-Amz-Target operation or the Action field.
func protocolOf(r *http.Request, service, op string) Protocol {
	contentType := r.Header.Get("Content-Type")
	switch {
	case isCBOR(r):
		return RPCv2CBOR
	case strings.HasPrefix(contentType, "application/x-amz-json-1.0"):
		return JSON10
	case r.Header.Get("X-Amz-Target") != "" || strings.HasPrefix(contentType, "application/x-amz-json"):
		return JSON11
	case op != "":
		return AWSQuery
	case restXMLServices[service] || strings.Contains(contentType, "xml"):
		return RESTXML
	default:
		return JSON11 // restJson1 clients read X-Amzn-ErrorType and a JSON body too
	}
}

// mutating guesses from the name whether an operation can change state (for persistence).
func mutating(op string) bool {
	for _, p := range []string{"Describe", "List", "Get", "Head"} {
		if strings.HasPrefix(op, p) {
			return false
		}
	}
	return true
}
