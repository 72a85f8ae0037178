package awssim

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type weightedTG struct {
	ARN    string `json:"arn"`
	Weight int    `json:"weight"`
}

// elbAction is a listener's default action: forward (to weighted target groups),
// fixed-response or redirect.
type elbAction struct {
	Type               string       `json:"type"`
	Order              int          `json:"order,omitempty"`
	TargetGroups       []weightedTG `json:"targetGroups,omitempty"`
	Stickiness         bool         `json:"stickiness,omitempty"`
	StickinessDuration int          `json:"stickinessDuration,omitempty"`
	StatusCode         string       `json:"statusCode,omitempty"`
	ContentType        string       `json:"contentType,omitempty"`
	MessageBody        string       `json:"messageBody,omitempty"`
	Redirect           *elbRedirect `json:"redirect,omitempty"`
}

// elbRedirect is a redirect action's target; each part not given keeps the request's
// (#{protocol}, #{port}, #{host}, /#{path}, #{query}), as AWS fills them in.
type elbRedirect struct {
	Protocol   string `json:"protocol" xml:"Protocol"`
	Port       string `json:"port" xml:"Port"`
	Host       string `json:"host" xml:"Host"`
	Path       string `json:"path" xml:"Path"`
	Query      string `json:"query" xml:"Query"`
	StatusCode string `json:"statusCode" xml:"StatusCode"`
}

type elbListener struct {
	ARN             string      `json:"arn"`
	LoadBalancerArn string      `json:"loadBalancerArn"`
	Port            int32       `json:"port"`
	Protocol        string      `json:"protocol"`
	Certificates    []string    `json:"certificates,omitempty"`
	SslPolicy       string      `json:"sslPolicy,omitempty"`
	Actions         []elbAction `json:"actions"`
}

func (l *elbListener) targetGroups() []string {
	var out []string
	for _, a := range l.Actions {
		for _, tg := range a.TargetGroups {
			out = append(out, tg.ARN)
		}
	}
	return out
}

type tgTupleXML struct {
	TargetGroupArn string `xml:"TargetGroupArn"`
	Weight         int    `xml:"Weight"`
}

type actionXML struct {
	Type           string `xml:"Type"`
	TargetGroupArn string `xml:"TargetGroupArn,omitempty"`
	Order          int    `xml:"Order,omitempty"`
	Forward        *struct {
		TargetGroups       []tgTupleXML `xml:"TargetGroups>member"`
		StickinessEnabled  bool         `xml:"TargetGroupStickinessConfig>Enabled"`
		StickinessDuration int          `xml:"TargetGroupStickinessConfig>DurationSeconds,omitempty"`
	} `xml:"ForwardConfig,omitempty"`
	Fixed *struct {
		StatusCode  string `xml:"StatusCode"`
		ContentType string `xml:"ContentType,omitempty"`
		MessageBody string `xml:"MessageBody,omitempty"`
	} `xml:"FixedResponseConfig,omitempty"`
	Redirect *elbRedirect `xml:"RedirectConfig,omitempty"`
}

type listenerXML struct {
	ListenerArn     string           `xml:"ListenerArn"`
	LoadBalancerArn string           `xml:"LoadBalancerArn"`
	Port            int32            `xml:"Port"`
	Protocol        string           `xml:"Protocol"`
	Certificates    *certificatesXML `xml:"Certificates,omitempty"`
	SslPolicy       string           `xml:"SslPolicy,omitempty"`
	DefaultActions  []actionXML      `xml:"DefaultActions>member"`
}

// certificatesXML is a listener's certificate list, left out for HTTP listeners as AWS
// does (an empty path element would read as one certificate without an ARN).
type certificatesXML struct {
	ARNs []string `xml:"member>CertificateArn"`
}

func listenerToXML(l *elbListener) listenerXML {
	out := listenerXML{ListenerArn: l.ARN, LoadBalancerArn: l.LoadBalancerArn, Port: l.Port, Protocol: l.Protocol,
		SslPolicy: l.SslPolicy}
	if len(l.Certificates) > 0 {
		out.Certificates = &certificatesXML{ARNs: l.Certificates}
	}
	for _, a := range l.Actions {
		x := actionXML{Type: a.Type, Order: a.Order}
		switch a.Type {
		case "forward":
			if len(a.TargetGroups) == 1 {
				x.TargetGroupArn = a.TargetGroups[0].ARN
			}
			x.Forward = &struct {
				TargetGroups       []tgTupleXML `xml:"TargetGroups>member"`
				StickinessEnabled  bool         `xml:"TargetGroupStickinessConfig>Enabled"`
				StickinessDuration int          `xml:"TargetGroupStickinessConfig>DurationSeconds,omitempty"`
			}{StickinessEnabled: a.Stickiness, StickinessDuration: a.StickinessDuration}
			for _, tg := range a.TargetGroups {
				x.Forward.TargetGroups = append(x.Forward.TargetGroups, tgTupleXML{tg.ARN, tg.Weight})
			}
		case "fixed-response":
			x.Fixed = &struct {
				StatusCode  string `xml:"StatusCode"`
				ContentType string `xml:"ContentType,omitempty"`
				MessageBody string `xml:"MessageBody,omitempty"`
			}{a.StatusCode, a.ContentType, a.MessageBody}
		case "redirect":
			r := *a.Redirect
			x.Redirect = &r
		}
		out.DefaultActions = append(out.DefaultActions, x)
	}
	return out
}

type listenersResult struct {
	Listeners []listenerXML `xml:"Listeners>member"`
}

// readActions reads DefaultActions.member.N of a listener of protocol, checks every
// target group a forward action names against the load balancer (same VPC, and not used by
// another load balancer) and the configuration of fixed-response and redirect actions.
func (r *elbRegion) readActions(p *Params, lb *loadBalancer, protocol string) ([]elbAction, error) {
	items := p.List("DefaultActions")
	if len(items) == 0 {
		return nil, Errorf("ValidationError", "A default action must be specified")
	}
	var out []elbAction
	for _, it := range items {
		a := elbAction{Type: it.String("Type")}
		if n, ok, err := it.Int("Order"); err != nil || (ok && (n < 1 || n > 50000)) {
			return nil, Errorf("ValidationError", "Action order '%s' must be between 1 and 50000", it.String("Order"))
		} else if ok {
			a.Order = n
		}
		switch a.Type {
		case "forward":
			if arn := it.String("TargetGroupArn"); arn != "" {
				a.TargetGroups = append(a.TargetGroups, weightedTG{arn, 1})
			}
			for _, t := range it.List("ForwardConfig.TargetGroups") {
				w, ok, err := t.Int("Weight")
				if err != nil || (ok && (w < 0 || w > 999)) {
					return nil, Errorf("ValidationError", "Target group weight '%s' must be between 0 and 999", t.String("Weight"))
				}
				if !ok {
					w = 1
				}
				arn := t.String("TargetGroupArn")
				if len(a.TargetGroups) == 1 && it.String("TargetGroupArn") != "" && a.TargetGroups[0].ARN == arn && len(it.List("ForwardConfig.TargetGroups")) == 1 {
					a.TargetGroups[0].Weight = w
					continue
				}
				if it.String("TargetGroupArn") != "" {
					return nil, Errorf("ValidationError", "You cannot specify both a target group ARN and a forward config with different target groups")
				}
				a.TargetGroups = append(a.TargetGroups, weightedTG{arn, w})
			}
			if len(a.TargetGroups) == 0 {
				return nil, Errorf("ValidationError", "A target group ARN must be specified for a forward action")
			}
			if v, ok := it.Bool("ForwardConfig.TargetGroupStickinessConfig.Enabled"); ok {
				a.Stickiness = v
			}
			if n, ok, _ := it.Int("ForwardConfig.TargetGroupStickinessConfig.DurationSeconds"); ok {
				a.StickinessDuration = n
			}
			for _, wt := range a.TargetGroups {
				tg, err := r.getTG(wt.ARN)
				if err != nil {
					return nil, err
				}
				if tg.VpcID != lb.VpcID {
					return nil, Errorf("InvalidConfigurationRequest", "Target group '%s' is in a different VPC than load balancer '%s'", tg.ARN, lb.ARN)
				}
				for _, other := range r.loadBalancersOf(tg.ARN) {
					if other != lb.ARN {
						return nil, Errorf("TargetGroupAssociationLimit", "The following target groups cannot be associated with more than one load balancer: %s", tg.ARN)
					}
				}
			}
		case "fixed-response":
			a.StatusCode = it.String("FixedResponseConfig.StatusCode")
			a.ContentType = it.String("FixedResponseConfig.ContentType")
			a.MessageBody = it.String("FixedResponseConfig.MessageBody")
			if err := checkFixedResponse(a); err != nil {
				return nil, err
			}
		case "redirect":
			rd := &elbRedirect{
				Protocol: it.String("RedirectConfig.Protocol"), Port: it.String("RedirectConfig.Port"),
				Host: it.String("RedirectConfig.Host"), Path: it.String("RedirectConfig.Path"),
				Query: it.String("RedirectConfig.Query"), StatusCode: it.String("RedirectConfig.StatusCode"),
			}
			if it.Get("RedirectConfig.Query") == nil {
				rd.Query = "#{query}"
			}
			if err := checkRedirect(rd, protocol); err != nil {
				return nil, err
			}
			a.Redirect = rd
		case "":
			return nil, Errorf("ValidationError", "An action type must be specified")
		default:
			return nil, Errorf("ValidationError", "Action type '%s' is not supported by the simulator; use 'forward', 'fixed-response' or 'redirect'", a.Type)
		}
		out = append(out, a)
	}
	return out, nil
}

var fixedResponseCodeRE = regexp.MustCompile(`^[245]\d\d$`)

var fixedResponseContentTypes = []string{"text/plain", "text/css", "text/html", "application/javascript", "application/json"}

func checkFixedResponse(a elbAction) error {
	switch {
	case a.StatusCode == "":
		return Errorf("ValidationError", "A status code must be specified for a fixed-response action")
	case !fixedResponseCodeRE.MatchString(a.StatusCode):
		return Errorf("ValidationError", "1 validation error detected: Value '%s' at 'fixedResponseConfig.statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$", a.StatusCode)
	case a.ContentType != "" && !slices.Contains(fixedResponseContentTypes, a.ContentType):
		return Errorf("ValidationError", "Content type '%s' must be one of %s", a.ContentType, javaList(fixedResponseContentTypes))
	case utf8.RuneCountInString(a.MessageBody) > 1024:
		return Errorf("ValidationError", "1 validation error detected: Value at 'fixedResponseConfig.messageBody' failed to satisfy constraint: Member must have length less than or equal to 1024")
	}
	return nil
}

// checkRedirect fills in the parts a redirect keeps from the request and applies AWS's
// rules: HTTP_301 or HTTP_302, no HTTPS to HTTP, and at least one of protocol, port, host
// and path changed, or the redirect would loop.
func checkRedirect(rd *elbRedirect, listenerProtocol string) error {
	for _, d := range []struct {
		field *string
		def   string
	}{{&rd.Protocol, "#{protocol}"}, {&rd.Port, "#{port}"}, {&rd.Host, "#{host}"}, {&rd.Path, "/#{path}"}} {
		if *d.field == "" {
			*d.field = d.def
		}
	}
	invalid := func(field, constraint, value string) error {
		return Errorf("ValidationError", "1 validation error detected: Value '%s' at 'redirectConfig.%s' failed to satisfy constraint: %s", value, field, constraint)
	}
	switch {
	case rd.StatusCode != "HTTP_301" && rd.StatusCode != "HTTP_302":
		return invalid("statusCode", "Member must satisfy enum value set: [HTTP_301, HTTP_302]", rd.StatusCode)
	case rd.Protocol != "HTTP" && rd.Protocol != "HTTPS" && rd.Protocol != "#{protocol}":
		return invalid("protocol", "Member must satisfy regular expression pattern: ^(HTTPS?|#\\{protocol\\})$", rd.Protocol)
	case len(rd.Host) > 128:
		return invalid("host", "Member must have length between 1 and 128", rd.Host)
	case len(rd.Path) > 128 || !strings.HasPrefix(rd.Path, "/"):
		return invalid("path", "Member must have length between 1 and 128 and begin with '/'", rd.Path)
	case len(rd.Query) > 128 || strings.HasPrefix(rd.Query, "?"):
		return invalid("query", "Member must have length less than or equal to 128 and not begin with '?'", rd.Query)
	}
	if rd.Port != "#{port}" {
		if n, err := strconv.Atoi(rd.Port); err != nil || n < 1 || n > 65535 {
			return invalid("port", "Member must be a port between 1 and 65535 or #{port}", rd.Port)
		}
	}
	if listenerProtocol == "HTTPS" && rd.Protocol == "HTTP" {
		return Errorf("InvalidLoadBalancerAction", "The redirect configuration is not valid: an HTTPS listener cannot redirect to HTTP")
	}
	if rd.Protocol == "#{protocol}" && rd.Port == "#{port}" && rd.Host == "#{host}" && rd.Path == "/#{path}" {
		return Errorf("InvalidLoadBalancerAction", "The redirect configuration is not valid: you must modify at least one of the following components to avoid a redirect loop: protocol, port, host, path")
	}
	return nil
}

// sslPolicies are the predefined ELB security policies an HTTPS listener may name.
var sslPolicies = []string{
	"ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-2015-05",
	"ELBSecurityPolicy-TLS-1-0-2015-04", "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-TLS-1-2-2017-01",
	"ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
	"ELBSecurityPolicy-FS-2018-06", "ELBSecurityPolicy-FS-1-1-2019-08", "ELBSecurityPolicy-FS-1-2-2019-08",
	"ELBSecurityPolicy-FS-1-2-Res-2019-08", "ELBSecurityPolicy-FS-1-2-Res-2020-10",
	"ELBSecurityPolicy-TLS13-1-0-2021-06", "ELBSecurityPolicy-TLS13-1-1-2021-06", "ELBSecurityPolicy-TLS13-1-2-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
}

// defaultSSLPolicy is what an HTTPS listener created without SslPolicy gets.
const defaultSSLPolicy = "ELBSecurityPolicy-2016-08"

func checkSSLPolicy(name string) error {
	if !slices.Contains(sslPolicies, name) {
		return Errorf("SSLPolicyNotFound", "SSL policy '%s' not found", name)
	}
	return nil
}

// readCertificates applies HTTPS's need for a certificate and HTTP's refusal of one. A
// certificate must be an ISSUED ACM certificate of the region, else it is
// CertificateNotFound as on AWS (IAM server certificates are not simulated).
func (s *elbv2State) readCertificates(c *Call, protocol string, current []string) ([]string, error) {
	var certs []string
	for _, item := range c.Params.List("Certificates") {
		certs = append(certs, item.String("CertificateArn"))
	}
	switch {
	case protocol == "HTTP" && len(certs) > 0:
		return nil, Errorf("ValidationError", "A certificate cannot be specified for HTTP listeners")
	case protocol == "HTTP":
		return nil, nil
	case certs == nil:
		certs = current
	}
	if len(certs) == 0 {
		return nil, Errorf("ValidationError", "A certificate must be specified for HTTPS listeners")
	}
	acm, _ := c.Sim().Service("acm").State.(*acmState)
	for _, arn := range certs {
		if acm == nil || !acm.Usable(c.Region, arn, c.Now) {
			return nil, Errorf("CertificateNotFound", "Certificate '%s' not found", arn)
		}
	}
	return certs, nil
}

// certificateUsers lists the load balancers whose listeners use a certificate, for ACM's
// InUseBy and its refusal to delete a certificate in use.
func (s *elbv2State) certificateUsers(region, arn string) []string {
	r, ok := s.Regions[region]
	if !ok {
		return nil
	}
	var out []string
	for _, l := range r.Listeners {
		if slices.Contains(l.Certificates, arn) && !slices.Contains(out, l.LoadBalancerArn) {
			out = append(out, l.LoadBalancerArn)
		}
	}
	slices.Sort(out)
	return out
}

func checkListenerProtocol(protocol string) error {
	if protocol != "HTTP" && protocol != "HTTPS" {
		return Errorf("ValidationError", "Listener protocol '%s' must be one of 'HTTPS, HTTP'", protocol)
	}
	return nil
}

// refreshInUse records when each target group started receiving traffic (or stopped).
func (r *elbRegion) refreshInUse(now time.Time) {
	for _, tg := range r.TargetGroups {
		used := len(r.loadBalancersOf(tg.ARN)) > 0
		switch {
		case used && tg.InUseSince == nil:
			t := now
			tg.InUseSince = &t
		case !used:
			tg.InUseSince = nil
		}
	}
}

func (s *elbv2State) createListener(c *Call) (any, error) {
	r, p := s.region(c), c.Params
	lb, err := r.getLB(p.String("LoadBalancerArn"))
	if err != nil {
		return nil, err
	}
	protocol := p.String("Protocol")
	if protocol == "" {
		protocol = "HTTP"
	}
	if err := checkListenerProtocol(protocol); err != nil {
		return nil, err
	}
	port, ok, err := p.Int("Port")
	if err != nil || !ok {
		return nil, Errorf("ValidationError", "A listener port must be specified")
	}
	if port < 1 || port > 65535 {
		return nil, Errorf("ValidationError", "1 validation error detected: Value '%d' at 'port' failed to satisfy constraint: Member must have value between 1 and 65535", port)
	}
	certs, err := s.readCertificates(c, protocol, nil)
	if err != nil {
		return nil, err
	}
	sslPolicy := ""
	if protocol == "HTTPS" {
		if sslPolicy = p.String("SslPolicy"); sslPolicy == "" {
			sslPolicy = defaultSSLPolicy
		}
		if err := checkSSLPolicy(sslPolicy); err != nil {
			return nil, err
		}
	}
	actions, err := r.readActions(p, lb, protocol)
	if err != nil {
		return nil, err
	}
	tags, err := elbTags(p)
	if err != nil {
		return nil, err
	}
	for _, l := range r.Listeners {
		if l.LoadBalancerArn == lb.ARN && l.Port == int32(port) {
			return nil, Errorf("DuplicateListener", "A listener already exists on this port for this load balancer '%s'", lb.ARN)
		}
	}
	l := &elbListener{
		ARN:             strings.Replace(lb.ARN, ":loadbalancer/", ":listener/", 1) + "/" + randomHex(8),
		LoadBalancerArn: lb.ARN, Port: int32(port), Protocol: protocol, Certificates: certs, SslPolicy: sslPolicy,
		Actions: actions,
	}
	r.Listeners[l.ARN] = l
	r.Tags.Set(l.ARN, tags)
	r.refreshInUse(c.Now)
	return listenersResult{[]listenerXML{listenerToXML(l)}}, nil
}

func (r *elbRegion) getListener(arn string) (*elbListener, error) {
	l, ok := r.Listeners[arn]
	if !ok {
		return nil, Errorf("ListenerNotFound", "Listener '%s' not found", arn)
	}
	return l, nil
}

func (s *elbv2State) describeListeners(c *Call) (any, error) {
	r := s.region(c)
	arns, lbArn := c.Params.Strings("ListenerArns"), c.Params.String("LoadBalancerArn")
	var list []*elbListener
	switch {
	case len(arns) > 0 && lbArn != "":
		return nil, Errorf("ValidationError", "Listener ARNs and a load balancer ARN cannot be specified at the same time")
	case len(arns) > 0:
		for _, a := range arns {
			l, ok := r.Listeners[a]
			if !ok {
				return nil, Errorf("ListenerNotFound", "One or more listeners not found")
			}
			list = append(list, l)
		}
	case lbArn != "":
		if _, err := r.getLB(lbArn); err != nil {
			return nil, err
		}
		for _, l := range r.Listeners {
			if l.LoadBalancerArn == lbArn {
				list = append(list, l)
			}
		}
	default:
		return nil, Errorf("ValidationError", "You must specify either listener ARNs or a load balancer ARN")
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].LoadBalancerArn != list[j].LoadBalancerArn {
			return list[i].LoadBalancerArn < list[j].LoadBalancerArn
		}
		return list[i].Port < list[j].Port
	})
	page, next, err := elbPage(c, list)
	if err != nil {
		return nil, err
	}
	out := struct {
		Listeners  []listenerXML `xml:"Listeners>member"`
		NextMarker string        `xml:"NextMarker,omitempty"`
	}{NextMarker: next}
	for _, l := range page {
		out.Listeners = append(out.Listeners, listenerToXML(l))
	}
	return out, nil
}

// modifyListener changes port, protocol, certificates, SSL policy or default actions;
// fields not given stay as they are.
func (s *elbv2State) modifyListener(c *Call) (any, error) {
	r, p := s.region(c), c.Params
	l, err := r.getListener(p.String("ListenerArn"))
	if err != nil {
		return nil, err
	}
	lb, err := r.getLB(l.LoadBalancerArn)
	if err != nil {
		return nil, err
	}
	next := *l
	if v := p.String("Protocol"); v != "" {
		if err := checkListenerProtocol(v); err != nil {
			return nil, err
		}
		next.Protocol = v
	}
	if port, ok, err := p.Int("Port"); err != nil || (ok && (port < 1 || port > 65535)) {
		return nil, Errorf("ValidationError", "Listener port '%s' must be between 1 and 65535", p.String("Port"))
	} else if ok {
		next.Port = int32(port)
	}
	if next.Certificates, err = s.readCertificates(c, next.Protocol, l.Certificates); err != nil {
		return nil, err
	}
	switch {
	case next.Protocol == "HTTP":
		next.SslPolicy = ""
	case p.String("SslPolicy") != "":
		next.SslPolicy = p.String("SslPolicy")
	case next.SslPolicy == "":
		next.SslPolicy = defaultSSLPolicy
	}
	if next.SslPolicy != "" {
		if err := checkSSLPolicy(next.SslPolicy); err != nil {
			return nil, err
		}
	}
	if p.Get("DefaultActions") != nil {
		if next.Actions, err = r.readActions(p, lb, next.Protocol); err != nil {
			return nil, err
		}
	} else {
		// A listener that turns HTTPS must not keep a redirect to HTTP.
		for _, a := range next.Actions {
			if a.Redirect != nil {
				rd := *a.Redirect
				if err := checkRedirect(&rd, next.Protocol); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, other := range r.Listeners {
		if other.ARN != l.ARN && other.LoadBalancerArn == l.LoadBalancerArn && other.Port == next.Port {
			return nil, Errorf("DuplicateListener", "A listener already exists on this port for this load balancer '%s'", lb.ARN)
		}
	}
	*l = next
	r.refreshInUse(c.Now)
	return listenersResult{[]listenerXML{listenerToXML(l)}}, nil
}

func (s *elbv2State) deleteListener(c *Call) (any, error) {
	r := s.region(c)
	l, err := r.getListener(c.Params.String("ListenerArn"))
	if err != nil {
		return nil, err
	}
	s.dropListener(r, l.ARN, c.Now)
	return struct{}{}, nil
}

func (s *elbv2State) dropListener(r *elbRegion, arn string, now time.Time) {
	r.Tags.Forget(arn)
	delete(r.Listeners, arn)
	r.refreshInUse(now)
}
