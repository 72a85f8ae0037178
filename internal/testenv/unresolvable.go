package testenv

import (
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/flaskops/flask-operator/internal/cloud"
)

// scopeRE reads the region and service of a SigV4 Authorization header.
var scopeRE = regexp.MustCompile(`Credential=[^/,]+/\d{8}/([^/,]+)/([^/,]+)/aws4_request`)

// unresolvable stands in for DNS for the regions AWS does not have: a request signed for
// one fails as the resolver fails a host name that does not exist, and is never sent; the
// others go through next.
type unresolvable struct {
	regions  map[string]bool
	next     aws.HTTPClient
	attempts *attempts
}

// attempts counts requests by service (the signing name: "ec2", "ecr", ...).
type attempts struct {
	mu sync.Mutex
	n  map[string]int
}

func (a *attempts) add(service string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == nil {
		a.n = map[string]int{}
	}
	a.n[service]++
}

func (u *unresolvable) Do(req *http.Request) (*http.Response, error) {
	m := scopeRE.FindStringSubmatch(req.Header.Get("Authorization"))
	if m == nil || !u.regions[m[1]] {
		return u.next.Do(req)
	}
	u.attempts.add(m[2])
	host := m[2] + "." + m[1] + ".amazonaws.com"
	return nil, &url.Error{Op: req.Method, URL: "https://" + host + req.URL.Path,
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}}
}

// managerAWS is the AWS configuration of the environment's managers: e.AWS, counting its
// requests on the metrics registry as LoadConfig's clients do, with the regions of
// Options.UnresolvableRegions unreachable.
func (e *Env) managerAWS() aws.Config {
	cfg := e.AWS.Copy()
	cfg.APIOptions = append(cfg.APIOptions, cloud.CountCalls)
	if len(e.opts.UnresolvableRegions) == 0 {
		return cfg
	}
	next := cfg.HTTPClient
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	u := &unresolvable{regions: map[string]bool{}, next: next, attempts: &e.unresolved}
	for _, r := range e.opts.UnresolvableRegions {
		u.regions[r] = true
	}
	cfg.HTTPClient = u
	return cfg
}

// UnresolvableAttempts counts, by service, the requests the managers tried to send to the
// regions of Options.UnresolvableRegions.
func (e *Env) UnresolvableAttempts() map[string]int {
	e.unresolved.mu.Lock()
	defer e.unresolved.mu.Unlock()
	return maps.Clone(e.unresolved.n)
}
