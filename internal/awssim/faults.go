package awssim

import (
	"net/http"
	"strings"
	"time"
)

// Faults are injected on a share of calls: throttling and errors before the operation runs,
// dropped answers after it ran.
type Faults struct {
	// ThrottleRate is the share (0..1) of calls rejected as throttled:
	// RequestLimitExceeded (EC2), Throttling (awsquery), ThrottlingException (JSON), SlowDown (S3).
	ThrottleRate float64 `json:"throttleRate,omitempty"`
	// ErrorRate is the share of calls failed with a 5xx InternalError.
	ErrorRate float64 `json:"errorRate,omitempty"`
	// DropRate is the share of mutating calls whose answer is dropped after they ran (see
	// DropAnswerNext).
	DropRate float64 `json:"dropRate,omitempty"`
	// Latency is added to every call (real time, not simulated).
	Latency Duration `json:"latency,omitempty"`
	// Only limits the faults to these services ("ec2") or operations ("ec2:CreateVpc");
	// empty means all.
	Only []string `json:"only,omitempty"`
}

// Duration is a time.Duration that reads and writes JSON as "150ms".
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Injected counts the faults injected since the simulator started or was Reset.
type Injected struct {
	// Throttled and Errors are the calls ThrottleRate and ErrorRate failed.
	Throttled int `json:"throttled"`
	Errors    int `json:"errors"`
	// Failed are the calls FailNext failed.
	Failed int `json:"failed"`
	// Dropped are the calls that ran and whose answer was dropped (DropRate, DropAnswerNext).
	Dropped int `json:"dropped"`
}

// Total is the number of faults injected.
func (i Injected) Total() int { return i.Throttled + i.Errors + i.Failed + i.Dropped }

// Injected returns the faults injected so far.
func (s *Sim) Injected() Injected {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injected
}

type failRule struct {
	Op    string `json:"op"` // "CreateVpc" or "ec2:CreateVpc"
	Code  string `json:"code"`
	Count int    `json:"count"`
}

// SetFaults replaces the injected faults.
func (s *Sim) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// FailNext makes the next n calls of op ("CreateVpc" or "ec2:CreateVpc") fail with code.
func (s *Sim) FailNext(op, code string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 {
		s.failNext = append(s.failNext, failRule{Op: op, Code: code, Count: n})
	}
}

type dropRule struct {
	Op    string `json:"op"` // "CreateVpc" or "ec2:CreateVpc"
	Count int    `json:"count"`
}

// DropAnswerNext makes the next n calls of op ("CreateVpc" or "ec2:CreateVpc") run and then
// close the connection without an answer, as when the connection drops after AWS did the
// work: the state holds whatever the call did, and the caller cannot tell whether it did
// anything. The SDK sees a transport error (EOF) and, as it classes that as a connection
// error, retries the call with its standard retryer: a create without a client token then
// runs twice.
func (s *Sim) DropAnswerNext(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 {
		s.dropNext = append(s.dropNext, dropRule{Op: op, Count: n})
	}
}

// answerDropped decides, after op ran, whether its answer is dropped. Called with s.mu held.
func (s *Sim) answerDropped(svc *Service, op string) bool {
	key := svc.Name + ":" + op
	for i := range s.dropNext {
		r := &s.dropNext[i]
		if r.Op == op || r.Op == key {
			if r.Count--; r.Count <= 0 {
				s.dropNext = append(s.dropNext[:i], s.dropNext[i+1:]...)
			}
			s.injected.Dropped++
			return true
		}
	}
	f := s.faults
	if f.DropRate <= 0 || !mutating(op) || (len(f.Only) > 0 && !scoped(f.Only, svc.Name, key)) {
		return false
	}
	if s.rnd.Float64() < f.DropRate {
		s.injected.Dropped++
		return true
	}
	return false
}

// dropAnswer closes the caller's connection without a response.
func dropAnswer(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// No connection to take over (HTTP/2): net/http aborts the response instead.
	panic(http.ErrAbortHandler)
}

// injectedFault decides whether this call fails before running. Called with s.mu held.
func (s *Sim) injectedFault(svc *Service, op string) (*APIError, time.Duration) {
	key := svc.Name + ":" + op
	for i := range s.failNext {
		r := &s.failNext[i]
		if r.Op == op || r.Op == key {
			code := r.Code
			if r.Count--; r.Count <= 0 {
				s.failNext = append(s.failNext[:i], s.failNext[i+1:]...)
			}
			s.injected.Failed++
			return faultError(svc.Protocol, code, "injected failure"), 0
		}
	}
	f := s.faults
	if len(f.Only) > 0 && !scoped(f.Only, svc.Name, key) {
		return nil, 0
	}
	latency := time.Duration(f.Latency)
	if f.ThrottleRate > 0 && s.rnd.Float64() < f.ThrottleRate {
		s.injected.Throttled++
		return faultError(svc.Protocol, throttleCode(svc.Protocol), "Rate exceeded"), latency
	}
	if f.ErrorRate > 0 && s.rnd.Float64() < f.ErrorRate {
		s.injected.Errors++
		return faultError(svc.Protocol, "InternalError", "We encountered an internal error. Please try again."), latency
	}
	return nil, latency
}

func scoped(only []string, service, key string) bool {
	for _, o := range only {
		if o == service || o == key {
			return true
		}
	}
	return false
}

func throttleCode(p Protocol) string {
	switch p {
	case EC2Query:
		return "RequestLimitExceeded"
	case AWSQuery:
		return "Throttling"
	case RESTXML:
		return "SlowDown"
	default:
		return "ThrottlingException"
	}
}

// faultError gives an injected code the HTTP status AWS uses for it.
func faultError(p Protocol, code, msg string) *APIError {
	e := Errorf(code, "%s", msg)
	switch {
	case code == "InternalError" || code == "InternalFailure" || strings.HasSuffix(code, "InternalServerError"):
		e.Status = http.StatusInternalServerError
	case code == "ServiceUnavailable" || code == "SlowDown" || (code == "RequestLimitExceeded" && p == EC2Query):
		e.Status = http.StatusServiceUnavailable
	}
	return e
}
