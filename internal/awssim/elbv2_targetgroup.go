package awssim

import (
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// healthCheck is a target group's health check settings.
type healthCheck struct {
	Enabled   bool   `json:"enabled"`
	Protocol  string `json:"protocol"`
	Port      string `json:"port"`
	Path      string `json:"path"`
	Interval  int    `json:"interval"`
	Timeout   int    `json:"timeout"`
	Healthy   int    `json:"healthy"`
	Unhealthy int    `json:"unhealthy"`
	Matcher   string `json:"matcher"`
}

type targetGroup struct {
	ARN         string            `json:"arn"`
	Name        string            `json:"name"`
	Protocol    string            `json:"protocol"`
	Port        int32             `json:"port"`
	VpcID       string            `json:"vpcId"`
	TargetType  string            `json:"targetType"`
	HealthCheck healthCheck       `json:"healthCheck"`
	Attributes  map[string]string `json:"attributes"`
	Targets     []*elbTarget      `json:"targets,omitempty"`
	// InUseSince is when a listener first forwarded to the group (health checks start then).
	InUseSince *time.Time `json:"inUseSince,omitempty"`
}

// elbTarget is one registration: a target ID and port. Owner is the ECS service that
// registered it through SetTargets ("" for RegisterTargets), Image the image of the task
// container behind it, whose health (Sim.SetImageHealth) the health checks see.
type elbTarget struct {
	ID             string     `json:"id"`
	Port           int32      `json:"port"`
	AZ             string     `json:"az,omitempty"`
	Owner          string     `json:"owner,omitempty"`
	Image          string     `json:"image,omitempty"`
	RegisteredAt   time.Time  `json:"registeredAt"`
	DeregisteredAt *time.Time `json:"deregisteredAt,omitempty"`
	GoneAt         time.Time  `json:"goneAt"`
}

// timeline is a registration's health over time under the group's health checks: they
// start once the registration meets a listener and its load balancer is active, and settle
// on healthy after HealthyThresholdCount passing checks, or on unhealthy after
// UnhealthyThresholdCount failing ones, HealthCheckIntervalSeconds apart (scaled).
func (s *elbv2State) timeline(r *elbRegion, tg *targetGroup, t *elbTarget) []healthStep {
	begin := t.RegisteredAt
	if tg.InUseSince.After(begin) {
		begin = *tg.InUseSince
	}
	start := begin
	for _, arn := range r.loadBalancersOf(tg.ARN) {
		if lb, ok := r.LoadBalancers[arn]; ok && lb.ActiveAt.After(start) {
			start = lb.ActiveAt
		}
	}
	healthy, since := s.sim.imageHealthOf(t.Image)
	interval := time.Duration(tg.HealthCheck.Interval) * time.Second
	return healthTimeline(begin, start, healthy, since,
		s.scaled(time.Duration(tg.HealthCheck.Healthy)*interval), s.scaled(time.Duration(tg.HealthCheck.Unhealthy)*interval))
}

// health is the TargetHealth of a registration now: draining after deregistration, unused
// while no load balancer sends the group traffic, else where its timeline is.
func (s *elbv2State) health(r *elbRegion, tg *targetGroup, t *elbTarget, now time.Time) (state, reason, desc string) {
	switch {
	case t.DeregisteredAt != nil:
		return "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"
	case tg.InUseSince == nil:
		return "unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"
	}
	st, _ := stepAt(s.timeline(r, tg, t), now)
	return st.State, st.Reason, st.Desc
}

func defaultTGAttributes() map[string]string {
	return map[string]string{
		"deregistration_delay.timeout_seconds":                                           "300",
		"stickiness.enabled":                                                             "false",
		"stickiness.type":                                                                "lb_cookie",
		"stickiness.lb_cookie.duration_seconds":                                          "86400",
		"stickiness.app_cookie.cookie_name":                                              "",
		"stickiness.app_cookie.duration_seconds":                                         "86400",
		"load_balancing.algorithm.type":                                                  "round_robin",
		"load_balancing.algorithm.anomaly_mitigation":                                    "off",
		"load_balancing.cross_zone.enabled":                                              "use_load_balancer_configuration",
		"slow_start.duration_seconds":                                                    "0",
		"target_group_health.dns_failover.minimum_healthy_targets.count":                 "1",
		"target_group_health.dns_failover.minimum_healthy_targets.percentage":            "off",
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count":      "1",
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
	}
}

var tgAttributeRanges = map[string][2]int{
	"deregistration_delay.timeout_seconds":  {0, 3600},
	"slow_start.duration_seconds":           {0, 900},
	"stickiness.lb_cookie.duration_seconds": {1, 604800},
}

func (tg *targetGroup) deregistrationDelay() time.Duration {
	n, _ := strconv.Atoi(tg.Attributes["deregistration_delay.timeout_seconds"])
	return time.Duration(n) * time.Second
}

type targetGroupXML struct {
	TargetGroupArn             string   `xml:"TargetGroupArn"`
	TargetGroupName            string   `xml:"TargetGroupName"`
	Protocol                   string   `xml:"Protocol"`
	Port                       int32    `xml:"Port"`
	VpcID                      string   `xml:"VpcId"`
	HealthCheckProtocol        string   `xml:"HealthCheckProtocol"`
	HealthCheckPort            string   `xml:"HealthCheckPort"`
	HealthCheckEnabled         bool     `xml:"HealthCheckEnabled"`
	HealthCheckIntervalSeconds int      `xml:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  int      `xml:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      int      `xml:"HealthyThresholdCount"`
	UnhealthyThresholdCount    int      `xml:"UnhealthyThresholdCount"`
	HealthCheckPath            string   `xml:"HealthCheckPath"`
	MatcherHTTPCode            string   `xml:"Matcher>HttpCode"`
	LoadBalancerArns           []string `xml:"LoadBalancerArns>member"`
	TargetType                 string   `xml:"TargetType"`
	ProtocolVersion            string   `xml:"ProtocolVersion"`
	IPAddressType              string   `xml:"IpAddressType"`
}

// loadBalancersOf lists the load balancers whose listeners forward to a target group.
func (r *elbRegion) loadBalancersOf(tgArn string) []string {
	var out []string
	for _, l := range r.Listeners {
		if slices.Contains(l.targetGroups(), tgArn) && !slices.Contains(out, l.LoadBalancerArn) {
			out = append(out, l.LoadBalancerArn)
		}
	}
	sort.Strings(out)
	return out
}

func (r *elbRegion) tgXML(tg *targetGroup) targetGroupXML {
	hc := tg.HealthCheck
	return targetGroupXML{
		TargetGroupArn: tg.ARN, TargetGroupName: tg.Name, Protocol: tg.Protocol, Port: tg.Port, VpcID: tg.VpcID,
		HealthCheckProtocol: hc.Protocol, HealthCheckPort: hc.Port, HealthCheckEnabled: hc.Enabled,
		HealthCheckIntervalSeconds: hc.Interval, HealthCheckTimeoutSeconds: hc.Timeout,
		HealthyThresholdCount: hc.Healthy, UnhealthyThresholdCount: hc.Unhealthy, HealthCheckPath: hc.Path,
		MatcherHTTPCode: hc.Matcher, LoadBalancerArns: r.loadBalancersOf(tg.ARN), TargetType: tg.TargetType,
		ProtocolVersion: "HTTP1", IPAddressType: "ipv4",
	}
}

type targetGroupsResult struct {
	TargetGroups []targetGroupXML `xml:"TargetGroups>member"`
}

var matcherRE = regexp.MustCompile(`^[2-4][0-9][0-9](?:-[2-4][0-9][0-9])?(?:,[2-4][0-9][0-9](?:-[2-4][0-9][0-9])?)*$`)

// readHealthCheck applies the health check fields of a Create or Modify call to hc.
func readHealthCheck(p *Params, hc *healthCheck) error {
	if v, ok := p.Bool("HealthCheckEnabled"); ok {
		hc.Enabled = v
	}
	if v := p.String("HealthCheckProtocol"); v != "" {
		if v != "HTTP" && v != "HTTPS" {
			return Errorf("ValidationError", "Health check protocol '%s' must be one of 'HTTP, HTTPS'", v)
		}
		hc.Protocol = v
	}
	if v := p.String("HealthCheckPort"); v != "" {
		if n, err := strconv.Atoi(v); v != "traffic-port" && (err != nil || n < 1 || n > 65535) {
			return Errorf("ValidationError", "Health check port '%s' must be 'traffic-port' or a port between 1 and 65535", v)
		}
		hc.Port = v
	}
	if v := p.String("HealthCheckPath"); v != "" {
		if !strings.HasPrefix(v, "/") || len(v) > 1024 {
			return Errorf("ValidationError", "Health check path '%s' must begin with '/' and be at most 1024 characters", v)
		}
		hc.Path = v
	}
	for _, f := range []struct {
		param    string
		field    *int
		min, max int
	}{
		{"HealthCheckIntervalSeconds", &hc.Interval, 5, 300},
		{"HealthCheckTimeoutSeconds", &hc.Timeout, 2, 120},
		{"HealthyThresholdCount", &hc.Healthy, 2, 10},
		{"UnhealthyThresholdCount", &hc.Unhealthy, 2, 10},
	} {
		n, ok, err := p.Int(f.param)
		if err != nil {
			return Errorf("ValidationError", "%s must be a number", f.param)
		}
		if !ok {
			continue
		}
		if n < f.min || n > f.max {
			return Errorf("ValidationError", "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value between %d and %d",
				n, strings.ToLower(f.param[:1])+f.param[1:], f.min, f.max)
		}
		*f.field = n
	}
	if !hc.Enabled {
		return Errorf("ValidationError", "Health checks cannot be disabled for target groups with target type 'ip' or 'instance'")
	}
	if hc.Timeout >= hc.Interval {
		return Errorf("ValidationError", "Health check timeout '%d' must be smaller than the interval '%d'", hc.Timeout, hc.Interval)
	}
	if v := p.String("Matcher.HttpCode"); v != "" {
		if !matcherRE.MatchString(v) {
			return Errorf("ValidationError", "Health check matcher HTTP code '%s' must be a value between 200 and 499, a comma-separated list or a range", v)
		}
		hc.Matcher = v
	}
	return nil
}

func (s *elbv2State) createTargetGroup(c *Call) (any, error) {
	r, p := s.region(c), c.Params
	name := p.String("Name")
	if err := checkELBv2Name("Target group", name); err != nil {
		return nil, err
	}
	targetType := p.String("TargetType")
	if targetType == "" {
		targetType = "instance"
	}
	if targetType != "ip" && targetType != "instance" {
		return nil, Errorf("ValidationError", "Target type '%s' is not supported by the simulator; use 'ip' or 'instance'", targetType)
	}
	protocol := p.String("Protocol")
	if protocol == "" {
		return nil, Errorf("ValidationError", "A protocol must be specified")
	}
	if protocol != "HTTP" && protocol != "HTTPS" {
		return nil, Errorf("ValidationError", "Target group protocol '%s' is not supported by the simulator; use 'HTTP' or 'HTTPS'", protocol)
	}
	port, ok, err := p.Int("Port")
	if err != nil || !ok {
		return nil, Errorf("ValidationError", "A port must be specified")
	}
	if port < 1 || port > 65535 {
		return nil, Errorf("ValidationError", "1 validation error detected: Value '%d' at 'port' failed to satisfy constraint: Member must have value between 1 and 65535", port)
	}
	vpcID := p.String("VpcId")
	if vpcID == "" {
		return nil, Errorf("ValidationError", "A VPC ID must be specified")
	}
	if _, ok := s.ec2(c).Vpcs[vpcID]; !ok {
		return nil, Errorf("ValidationError", "The VPC ID '%s' is not found", vpcID)
	}
	hc := healthCheck{Enabled: true, Protocol: protocol, Port: "traffic-port", Path: "/", Interval: 30, Timeout: 5, Healthy: 5, Unhealthy: 2, Matcher: "200"}
	if err := readHealthCheck(p, &hc); err != nil {
		return nil, err
	}
	tags, err := elbTags(p)
	if err != nil {
		return nil, err
	}
	tg := &targetGroup{Name: name, Protocol: protocol, Port: int32(port), VpcID: vpcID, TargetType: targetType, HealthCheck: hc}
	for _, other := range r.TargetGroups {
		if other.Name != name {
			continue
		}
		// Idempotent: the same settings answer the existing target group.
		if other.Protocol == tg.Protocol && other.Port == tg.Port && other.VpcID == tg.VpcID &&
			other.TargetType == tg.TargetType && other.HealthCheck == tg.HealthCheck {
			return targetGroupsResult{[]targetGroupXML{r.tgXML(other)}}, nil
		}
		return nil, Errorf("DuplicateTargetGroupName", "A target group with the same name '%s' exists, but with different settings", name)
	}
	tg.ARN = ARN("elasticloadbalancing", r.Name, "targetgroup/"+name+"/"+randomHex(8))
	tg.Attributes = defaultTGAttributes()
	r.TargetGroups[tg.ARN] = tg
	r.Tags.Set(tg.ARN, tags)
	return targetGroupsResult{[]targetGroupXML{r.tgXML(tg)}}, nil
}

func (r *elbRegion) getTG(arn string) (*targetGroup, error) {
	tg, ok := r.TargetGroups[arn]
	if !ok {
		return nil, Errorf("TargetGroupNotFound", "Target groups '%s' not found", javaList([]string{arn}))
	}
	return tg, nil
}

func (s *elbv2State) describeTargetGroups(c *Call) (any, error) {
	r, p := s.region(c), c.Params
	arns, names, lbArn := p.Strings("TargetGroupArns"), p.Strings("Names"), p.String("LoadBalancerArn")
	given := 0
	for _, g := range []bool{len(arns) > 0, len(names) > 0, lbArn != ""} {
		if g {
			given++
		}
	}
	if given > 1 {
		return nil, Errorf("ValidationError", "Target group ARNs, names and a load balancer ARN cannot be specified together")
	}
	var list []*targetGroup
	switch {
	case len(arns) > 0 || len(names) > 0:
		var missing []string
		list, missing = byARNsOrNames(r.TargetGroups, arns, names, func(tg *targetGroup) string { return tg.Name })
		if len(missing) > 0 {
			return nil, Errorf("TargetGroupNotFound", "Target groups '%s' not found", javaList(missing))
		}
	case lbArn != "":
		if _, err := r.getLB(lbArn); err != nil {
			return nil, err
		}
		for _, tg := range r.TargetGroups {
			if slices.Contains(r.loadBalancersOf(tg.ARN), lbArn) {
				list = append(list, tg)
			}
		}
	default:
		list = slices.Collect(maps.Values(r.TargetGroups))
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	page, next, err := elbPage(c, list)
	if err != nil {
		return nil, err
	}
	out := struct {
		TargetGroups []targetGroupXML `xml:"TargetGroups>member"`
		NextMarker   string           `xml:"NextMarker,omitempty"`
	}{NextMarker: next}
	for _, tg := range page {
		out.TargetGroups = append(out.TargetGroups, r.tgXML(tg))
	}
	return out, nil
}

func (s *elbv2State) modifyTargetGroup(c *Call) (any, error) {
	r := s.region(c)
	tg, err := r.getTG(c.Params.String("TargetGroupArn"))
	if err != nil {
		return nil, err
	}
	hc := tg.HealthCheck
	if err := readHealthCheck(c.Params, &hc); err != nil {
		return nil, err
	}
	tg.HealthCheck = hc
	return targetGroupsResult{[]targetGroupXML{r.tgXML(tg)}}, nil
}

// deleteTargetGroup refuses a group a listener still forwards to.
func (s *elbv2State) deleteTargetGroup(c *Call) (any, error) {
	r := s.region(c)
	tg, err := r.getTG(c.Params.String("TargetGroupArn"))
	if err != nil {
		return nil, err
	}
	if len(r.loadBalancersOf(tg.ARN)) > 0 {
		return nil, Errorf("ResourceInUse", "Target group '%s' is currently in use by a listener or a rule", tg.ARN)
	}
	r.Tags.Forget(tg.ARN)
	delete(r.TargetGroups, tg.ARN)
	return struct{}{}, nil
}

func (s *elbv2State) describeTargetGroupAttributes(c *Call) (any, error) {
	tg, err := s.region(c).getTG(c.Params.String("TargetGroupArn"))
	if err != nil {
		return nil, err
	}
	return attributesResult{attributesXML(tg.Attributes)}, nil
}

func (s *elbv2State) modifyTargetGroupAttributes(c *Call) (any, error) {
	tg, err := s.region(c).getTG(c.Params.String("TargetGroupArn"))
	if err != nil {
		return nil, err
	}
	if err := modifyAttributes(c, tg.Attributes, tgAttributeRanges); err != nil {
		return nil, err
	}
	return attributesResult{attributesXML(tg.Attributes)}, nil
}

// ---- targets ----

type targetSpec struct {
	ID   string
	Port int32
	AZ   string
}

// readTargets reads Targets.member.N, defaulting the port to the group's.
func readTargets(p *Params, tg *targetGroup) ([]targetSpec, error) {
	items := p.List("Targets")
	if len(items) == 0 {
		return nil, Errorf("ValidationError", "At least one target must be specified")
	}
	var out []targetSpec
	for _, it := range items {
		t := targetSpec{ID: it.String("Id"), Port: tg.Port, AZ: it.String("AvailabilityZone")}
		if t.ID == "" {
			return nil, Errorf("ValidationError", "A target ID must be specified")
		}
		port, ok, err := it.Int("Port")
		if err != nil || (ok && (port < 1 || port > 65535)) {
			return nil, Errorf("ValidationError", "Target port '%s' must be between 1 and 65535", it.String("Port"))
		}
		if ok {
			t.Port = int32(port)
		}
		out = append(out, t)
	}
	return out, nil
}

// checkTarget refuses targets of the wrong kind: the simulator runs no instances, and IP
// targets must be IPv4 addresses in the group's VPC or a private range.
func (s *elbv2State) checkTarget(ec2r *ec2Region, tg *targetGroup, t targetSpec) error {
	if tg.TargetType == "instance" {
		return Errorf("InvalidTarget", "The following targets are not in a running state and cannot be registered: '%s'", t.ID)
	}
	addr, err := netip.ParseAddr(t.ID)
	if err != nil || !addr.Is4() {
		return Errorf("ValidationError", "The IP address '%s' is not a valid IPv4 address", t.ID)
	}
	if v, ok := ec2r.Vpcs[tg.VpcID]; ok && netip.MustParsePrefix(v.CIDR).Contains(addr) {
		return nil
	}
	for _, private := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"} {
		if netip.MustParsePrefix(private).Contains(addr) {
			return nil
		}
	}
	return Errorf("InvalidTarget", "The IP address '%s' is not within the VPC CIDR or the RFC 1918 and RFC 6598 ranges", t.ID)
}

// register adds or revives a registration; an active one is left as it is.
func (s *elbv2State) register(tg *targetGroup, t targetSpec, owner string, now time.Time) {
	for _, cur := range tg.Targets {
		if cur.ID == t.ID && cur.Port == t.Port {
			if cur.DeregisteredAt != nil {
				cur.DeregisteredAt, cur.GoneAt, cur.RegisteredAt, cur.Owner = nil, time.Time{}, now, owner
			}
			return
		}
	}
	tg.Targets = append(tg.Targets, &elbTarget{ID: t.ID, Port: t.Port, AZ: t.AZ, Owner: owner, RegisteredAt: now})
}

// deregister starts draining a registration for the deregistration delay; a group no load
// balancer uses drops it at once.
func (s *elbv2State) deregister(tg *targetGroup, t *elbTarget, now time.Time) {
	if t.DeregisteredAt != nil {
		return
	}
	at := now
	t.DeregisteredAt = &at
	t.GoneAt = now
	if tg.InUseSince != nil {
		t.GoneAt = now.Add(s.scaled(tg.deregistrationDelay()))
	}
	if !now.Before(t.GoneAt) {
		tg.Targets = slices.DeleteFunc(tg.Targets, func(x *elbTarget) bool { return x == t })
	}
}

func (s *elbv2State) registerTargets(c *Call) (any, error) {
	r := s.region(c)
	tg, err := r.getTG(c.Params.String("TargetGroupArn"))
	if err != nil {
		return nil, err
	}
	specs, err := readTargets(c.Params, tg)
	if err != nil {
		return nil, err
	}
	ec2r := s.ec2(c)
	for _, t := range specs {
		if err := s.checkTarget(ec2r, tg, t); err != nil {
			return nil, err
		}
	}
	for _, t := range specs {
		s.register(tg, t, "", c.Now)
	}
	return struct{}{}, nil
}

// deregisterTargets succeeds for targets that are not registered, as on AWS.
func (s *elbv2State) deregisterTargets(c *Call) (any, error) {
	r := s.region(c)
	tg, err := r.getTG(c.Params.String("TargetGroupArn"))
	if err != nil {
		return nil, err
	}
	specs, err := readTargets(c.Params, tg)
	if err != nil {
		return nil, err
	}
	for _, spec := range specs {
		for _, t := range slices.Clone(tg.Targets) {
			if t.ID == spec.ID && t.Port == spec.Port {
				s.deregister(tg, t, c.Now)
			}
		}
	}
	return struct{}{}, nil
}

type targetHealthDescriptionXML struct {
	TargetID        string `xml:"Target>Id"`
	TargetPort      int32  `xml:"Target>Port"`
	TargetAZ        string `xml:"Target>AvailabilityZone,omitempty"`
	HealthCheckPort string `xml:"HealthCheckPort"`
	State           string `xml:"TargetHealth>State"`
	Reason          string `xml:"TargetHealth>Reason,omitempty"`
	Description     string `xml:"TargetHealth>Description,omitempty"`
}

func (s *elbv2State) describeTargetHealth(c *Call) (any, error) {
	// ECS registers and deregisters its tasks as they start and stop: bring it up to now.
	if ecs, ok := c.Sim().Service("ecs").State.(*ecsState); ok {
		ecs.regionAt(c.Region, c.Now)
	}
	r := s.region(c)
	tg, err := r.getTG(c.Params.String("TargetGroupArn"))
	if err != nil {
		return nil, err
	}
	hcPort := func(port int32) string {
		if tg.HealthCheck.Port == "traffic-port" {
			return strconv.Itoa(int(port))
		}
		return tg.HealthCheck.Port
	}
	out := struct {
		TargetHealthDescriptions []targetHealthDescriptionXML `xml:"TargetHealthDescriptions>member"`
	}{}
	describeOne := func(t *elbTarget) {
		state, reason, desc := s.health(r, tg, t, c.Now)
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, targetHealthDescriptionXML{
			TargetID: t.ID, TargetPort: t.Port, TargetAZ: t.AZ, HealthCheckPort: hcPort(t.Port),
			State: state, Reason: reason, Description: desc})
	}
	if c.Params.Get("Targets") == nil {
		for _, t := range tg.Targets {
			describeOne(t)
		}
		return out, nil
	}
	specs, err := readTargets(c.Params, tg)
	if err != nil {
		return nil, err
	}
	for _, spec := range specs {
		found := false
		for _, t := range tg.Targets {
			if t.ID == spec.ID && t.Port == spec.Port {
				describeOne(t)
				found = true
			}
		}
		if !found {
			out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, targetHealthDescriptionXML{
				TargetID: spec.ID, TargetPort: spec.Port, HealthCheckPort: hcPort(spec.Port),
				State: "unused", Reason: "Target.NotRegistered", Description: "Target is not registered to the target group"})
		}
	}
	return out, nil
}

// ---- for the ECS simulator (called with the simulator lock held) ----

// TargetGroup reports a target group's port and VPC, for the ECS service simulator to
// validate a service's load balancer binding.
func (s *elbv2State) TargetGroup(region, arn string) (port int32, vpcID string, ok bool) {
	tg, found := s.regionNamed(region, s.sim.Now()).TargetGroups[arn]
	if !found {
		return 0, "", false
	}
	return tg.Port, tg.VpcID, true
}

// taskTarget is a task that ECS registers: its address and the image of the container
// the load balancer sends traffic to.
type taskTarget struct {
	IP    string
	Image string
}

// SetTargets makes exactly targets the targets registered by owner (an ECS service ARN) in
// the target group, on the group's port, at now: new addresses register (initial, then
// healthy or unhealthy after the health checks), addresses no longer listed deregister
// (draining for the deregistration delay). Registrations by others are left alone. An
// unknown group is a no-op.
func (s *elbv2State) SetTargets(region, arn, owner string, targets []taskTarget, now time.Time) {
	tg, ok := s.regionNamed(region, now).TargetGroups[arn]
	if !ok {
		return
	}
	for _, t := range slices.Clone(tg.Targets) {
		if t.Owner == owner && t.DeregisteredAt == nil && !slices.ContainsFunc(targets, func(x taskTarget) bool { return x.IP == t.ID }) {
			s.deregister(tg, t, now)
		}
	}
	for _, t := range targets {
		s.register(tg, targetSpec{ID: t.IP, Port: tg.Port}, owner, now)
		for _, cur := range tg.Targets {
			if cur.ID == t.IP && cur.Owner == owner {
				cur.Image = t.Image
			}
		}
	}
}

// TargetHealth is the state at t of owner's registration of ip in the target group ("" when
// there is none, or it is draining) and when that state changes next (zero: not under the
// current settings).
func (s *elbv2State) TargetHealth(region, arn, owner, ip string, t time.Time) (state string, next time.Time) {
	r := s.regionNamed(region, t)
	tg, ok := r.TargetGroups[arn]
	if !ok || tg.InUseSince == nil {
		return "", time.Time{}
	}
	for _, cur := range tg.Targets {
		if cur.ID == ip && cur.Owner == owner && cur.DeregisteredAt == nil {
			st, next := stepAt(s.timeline(r, tg, cur), t)
			return st.State, next
		}
	}
	return "", time.Time{}
}
