package awssim

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

func init() {
	register(newELBv2)
	DefaultLatencies[LatencyLoadBalancerENIRelease] = 60 * time.Second
}

// LatencyLoadBalancerENIRelease is how long the interfaces of a deleted load balancer keep
// holding their subnets and security groups, as they do on AWS for a minute or two.
const LatencyLoadBalancerENIRelease = "elbv2:loadbalancer:eni-release"

// elbv2State is Elastic Load Balancing v2 state per region (application load balancers,
// target groups, listeners). Resources are keyed by ARN.
type elbv2State struct {
	Regions map[string]*elbRegion `json:"regions"`
	sim     *Sim
}

type elbRegion struct {
	Name          string                   `json:"name"`
	LoadBalancers map[string]*loadBalancer `json:"loadBalancers"`
	TargetGroups  map[string]*targetGroup  `json:"targetGroups"`
	Listeners     map[string]*elbListener  `json:"listeners"`
	Tags          TagStore                 `json:"tags"`
}

func newELBv2(sim *Sim) *Service {
	s := &elbv2State{sim: sim}
	s.Reset()
	return &Service{
		Name:     "elasticloadbalancing",
		Protocol: AWSQuery,
		XMLNS:    "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
		State:    s,
		Ops: map[string]Op{
			"CreateLoadBalancer":             s.createLoadBalancer,
			"DescribeLoadBalancers":          s.describeLoadBalancers,
			"DeleteLoadBalancer":             s.deleteLoadBalancer,
			"ModifyLoadBalancerAttributes":   s.modifyLoadBalancerAttributes,
			"DescribeLoadBalancerAttributes": s.describeLoadBalancerAttributes,
			"SetSecurityGroups":              s.setSecurityGroups,
			"CreateTargetGroup":              s.createTargetGroup,
			"DescribeTargetGroups":           s.describeTargetGroups,
			"ModifyTargetGroup":              s.modifyTargetGroup,
			"DeleteTargetGroup":              s.deleteTargetGroup,
			"DescribeTargetGroupAttributes":  s.describeTargetGroupAttributes,
			"ModifyTargetGroupAttributes":    s.modifyTargetGroupAttributes,
			"RegisterTargets":                s.registerTargets,
			"DeregisterTargets":              s.deregisterTargets,
			"DescribeTargetHealth":           s.describeTargetHealth,
			"CreateListener":                 s.createListener,
			"DescribeListeners":              s.describeListeners,
			"ModifyListener":                 s.modifyListener,
			"DeleteListener":                 s.deleteListener,
			"AddTags":                        s.addTags,
			"RemoveTags":                     s.removeTags,
			"DescribeTags":                   s.describeTags,
		},
	}
}

func (s *elbv2State) Reset() { s.Regions = map[string]*elbRegion{} }

// regionNamed returns a region's state, first applying what is due (drained targets go).
func (s *elbv2State) regionNamed(name string, now time.Time) *elbRegion {
	r, ok := s.Regions[name]
	if !ok {
		r = &elbRegion{Name: name}
		s.Regions[name] = r
	}
	if r.LoadBalancers == nil {
		r.LoadBalancers = map[string]*loadBalancer{}
	}
	if r.TargetGroups == nil {
		r.TargetGroups = map[string]*targetGroup{}
	}
	if r.Listeners == nil {
		r.Listeners = map[string]*elbListener{}
	}
	if r.Tags == nil {
		r.Tags = TagStore{}
	}
	for _, tg := range r.TargetGroups {
		tg.Targets = slices.DeleteFunc(tg.Targets, func(t *elbTarget) bool {
			return t.DeregisteredAt != nil && !now.Before(t.GoneAt)
		})
	}
	return r
}

func (s *elbv2State) region(c *Call) *elbRegion { return s.regionNamed(c.Region, c.Now) }

// ec2 returns the call's regional EC2 state (the lock is held), where load balancers place
// their interfaces.
func (s *elbv2State) ec2(c *Call) *ec2Region {
	return c.Sim().Service("ec2").State.(*ec2State).region(c)
}

// scaled multiplies a duration that comes from a resource's own settings (health check
// interval, deregistration delay) by the time scale, like Sim.Delay does for latency kinds.
func (s *elbv2State) scaled(d time.Duration) time.Duration { return s.sim.scaled(d) }

func (s *elbv2State) Live(now time.Time) []Resource {
	var out []Resource
	for _, name := range slices.Sorted(maps.Keys(s.Regions)) {
		r := s.regionNamed(name, now)
		add := func(typ, arn string) {
			out = append(out, Resource{Service: "elasticloadbalancing", Type: typ, ID: arn, Region: name, Tags: r.Tags.Get(arn)})
		}
		for arn := range r.LoadBalancers {
			add("loadbalancer", arn)
		}
		for arn := range r.TargetGroups {
			add("targetgroup", arn)
		}
		for arn := range r.Listeners {
			add("listener", arn)
		}
	}
	return out
}

// ---- load balancers ----

type lbZone struct {
	SubnetID string `json:"subnetId"`
	Zone     string `json:"zone"`
	ENIID    string `json:"eniId"`
}

type loadBalancer struct {
	ARN            string            `json:"arn"`
	Name           string            `json:"name"`
	DNSName        string            `json:"dnsName"`
	Scheme         string            `json:"scheme"`
	Type           string            `json:"type"`
	IPAddressType  string            `json:"ipAddressType"`
	VpcID          string            `json:"vpcId"`
	Zones          []lbZone          `json:"zones"`
	SecurityGroups []string          `json:"securityGroups"`
	CreatedTime    time.Time         `json:"createdTime"`
	ActiveAt       time.Time         `json:"activeAt"`
	Attributes     map[string]string `json:"attributes"`
}

func (lb *loadBalancer) state(now time.Time) string {
	if now.Before(lb.ActiveAt) {
		return "provisioning"
	}
	return "active"
}

func (lb *loadBalancer) subnetIDs() []string {
	var ids []string
	for _, z := range lb.Zones {
		ids = append(ids, z.SubnetID)
	}
	return ids
}

// albHostedZones are the Route 53 zones of application load balancer DNS names.
var albHostedZones = map[string]string{
	"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2", "us-west-1": "Z368ELLRRE2KJ0",
	"us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2", "eu-west-2": "ZHURV8PSTC4K8",
	"eu-central-1": "Z215JYRZR1TBD5", "ap-south-1": "ZP97RAFLXTNZK", "ap-northeast-1": "Z14GRHDCWA56QT",
	"ap-southeast-1": "Z1LMS91P8CMLE5", "ap-southeast-2": "Z1GM3OXH4ZPM65",
}

func hostedZone(region string) string {
	if z, ok := albHostedZones[region]; ok {
		return z
	}
	return "Z35SXDOTRQ7X7K"
}

// defaultLBAttributes are what DescribeLoadBalancerAttributes reports for a new ALB.
func defaultLBAttributes() map[string]string {
	return map[string]string{
		"access_logs.s3.enabled": "false", "access_logs.s3.bucket": "", "access_logs.s3.prefix": "",
		"connection_logs.s3.enabled": "false", "connection_logs.s3.bucket": "", "connection_logs.s3.prefix": "",
		"idle_timeout.timeout_seconds":                                  "60",
		"deletion_protection.enabled":                                   "false",
		"routing.http2.enabled":                                         "true",
		"routing.http.drop_invalid_header_fields.enabled":               "false",
		"routing.http.desync_mitigation_mode":                           "defensive",
		"routing.http.preserve_host_header.enabled":                     "false",
		"routing.http.x_amzn_tls_version_and_cipher_suite.enabled":      "false",
		"routing.http.xff_client_port.enabled":                          "false",
		"routing.http.xff_header_processing.mode":                       "append",
		"load_balancing.cross_zone.enabled":                             "true",
		"waf.fail_open.enabled":                                         "false",
		"client_keep_alive.seconds":                                     "3600",
		"zonal_shift.config.enabled":                                    "false",
		"routing.http.enable_x_forwarded_for.enabled":                   "true",
		"routing.http.x_amzn_mtls_clientcert_header_processing.enabled": "false",
	}
}

type lbAddressXML struct{}

type lbZoneXML struct {
	ZoneName  string         `xml:"ZoneName"`
	SubnetID  string         `xml:"SubnetId"`
	Addresses []lbAddressXML `xml:"LoadBalancerAddresses>member"`
}

type loadBalancerXML struct {
	LoadBalancerArn       string      `xml:"LoadBalancerArn"`
	DNSName               string      `xml:"DNSName"`
	CanonicalHostedZoneID string      `xml:"CanonicalHostedZoneId"`
	CreatedTime           Timestamp   `xml:"CreatedTime"`
	LoadBalancerName      string      `xml:"LoadBalancerName"`
	Scheme                string      `xml:"Scheme"`
	VpcID                 string      `xml:"VpcId"`
	StateCode             string      `xml:"State>Code"`
	Type                  string      `xml:"Type"`
	AvailabilityZones     []lbZoneXML `xml:"AvailabilityZones>member"`
	SecurityGroups        []string    `xml:"SecurityGroups>member"`
	IPAddressType         string      `xml:"IpAddressType"`
}

func (s *elbv2State) lbXML(r *elbRegion, lb *loadBalancer, now time.Time) loadBalancerXML {
	out := loadBalancerXML{
		LoadBalancerArn: lb.ARN, DNSName: lb.DNSName, CanonicalHostedZoneID: hostedZone(r.Name),
		CreatedTime: Timestamp(lb.CreatedTime), LoadBalancerName: lb.Name, Scheme: lb.Scheme, VpcID: lb.VpcID,
		StateCode: lb.state(now), Type: lb.Type, SecurityGroups: lb.SecurityGroups, IPAddressType: lb.IPAddressType,
	}
	for _, z := range lb.Zones {
		out.AvailabilityZones = append(out.AvailabilityZones, lbZoneXML{ZoneName: z.Zone, SubnetID: z.SubnetID})
	}
	return out
}

// elbTags reads a Tags.member.N list, refusing duplicate keys and what checkTags refuses.
func elbTags(p *Params) (map[string]string, error) {
	items := p.List("Tags")
	tags := map[string]string{}
	for _, t := range items {
		k := t.String("Key")
		if k == "" {
			return nil, Errorf("ValidationError", "A tag key must be specified")
		}
		if _, dup := tags[k]; dup {
			return nil, Errorf("DuplicateTagKeys", "Tag key '%s' is duplicated", k)
		}
		tags[k] = t.String("Value")
	}
	return tags, checkTags("elasticloadbalancing", tags)
}

// lbGroups resolves and checks security groups for a load balancer in vpcID. No groups
// means the VPC's default group, as on AWS.
func lbGroups(ec2r *ec2Region, vpcID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		if v, ok := ec2r.Vpcs[vpcID]; ok && v.DefaultGroupID != "" {
			return []string{v.DefaultGroupID}, nil
		}
		return nil, nil
	}
	var out []string
	for _, id := range ids {
		sg, ok := ec2r.SecurityGroups[id]
		if !ok {
			return nil, Errorf("InvalidSecurityGroup", "Security group '%s' does not exist", id)
		}
		if sg.VpcID != vpcID {
			return nil, Errorf("InvalidConfigurationRequest", "Security group '%s' does not belong to VPC '%s'", id, vpcID)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func (s *elbv2State) createLoadBalancer(c *Call) (any, error) {
	r, p := s.region(c), c.Params
	name := p.String("Name")
	if err := checkELBv2Name("Load balancer", name); err != nil {
		return nil, err
	}
	typ := p.String("Type")
	if typ == "" {
		typ = "application"
	}
	if typ != "application" {
		return nil, Errorf("ValidationError", "Load balancer type '%s' is not supported by the simulator; use 'application'", typ)
	}
	scheme := p.String("Scheme")
	if scheme == "" {
		scheme = "internet-facing"
	}
	if scheme != "internet-facing" && scheme != "internal" {
		return nil, Errorf("ValidationError", "Load balancer scheme '%s' must be one of 'internet-facing, internal'", scheme)
	}
	ipType := p.String("IpAddressType")
	if ipType == "" {
		ipType = "ipv4"
	}
	if ipType != "ipv4" {
		return nil, Errorf("ValidationError", "IP address type '%s' is not supported by the simulator; use 'ipv4'", ipType)
	}
	subnetIDs := p.Strings("Subnets")
	for _, m := range p.List("SubnetMappings") {
		subnetIDs = append(subnetIDs, m.String("SubnetId"))
	}
	tags, err := elbTags(p)
	if err != nil {
		return nil, err
	}
	ec2r := s.ec2(c)
	var zones []lbZone
	vpcID := ""
	seen := map[string]bool{}
	for _, id := range subnetIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		sn, ok := ec2r.Subnets[id]
		if !ok {
			return nil, Errorf("SubnetNotFound", "The subnet ID '%s' is not valid", id)
		}
		if vpcID != "" && sn.VpcID != vpcID {
			return nil, Errorf("InvalidConfigurationRequest", "Subnets '%s' and '%s' are not in the same VPC", zones[0].SubnetID, id)
		}
		vpcID = sn.VpcID
		for _, z := range zones {
			if z.Zone == sn.AZ {
				return nil, Errorf("InvalidConfigurationRequest", "A load balancer cannot be attached to multiple subnets in the same Availability Zone")
			}
		}
		zones = append(zones, lbZone{SubnetID: id, Zone: sn.AZ})
	}
	if len(zones) < 2 {
		return nil, Errorf("ValidationError", "At least two subnets in two different Availability Zones must be specified")
	}
	groups, err := lbGroups(ec2r, vpcID, p.Strings("SecurityGroups"))
	if err != nil {
		return nil, err
	}
	if scheme == "internet-facing" && ec2r.vpcIGW(vpcID) == nil {
		return nil, Errorf("InvalidSubnet", "VPC %s has no internet gateway", vpcID)
	}
	for _, lb := range r.LoadBalancers {
		if lb.Name != name {
			continue
		}
		// Idempotent: the same settings answer the existing load balancer.
		if lb.Scheme == scheme && lb.Type == typ && sameSet(lb.subnetIDs(), subnetIDs) && sameSet(lb.SecurityGroups, groups) {
			return struct {
				LoadBalancers []loadBalancerXML `xml:"LoadBalancers>member"`
			}{[]loadBalancerXML{s.lbXML(r, lb, c.Now)}}, nil
		}
		return nil, Errorf("DuplicateLoadBalancerName", "A load balancer with the same name '%s' exists, but with different settings", name)
	}
	id := randomHex(8)
	lb := &loadBalancer{
		ARN:  ARN("elasticloadbalancing", r.Name, "loadbalancer/app/"+name+"/"+id),
		Name: name, Scheme: scheme, Type: typ, IPAddressType: ipType, VpcID: vpcID, SecurityGroups: groups,
		CreatedTime: c.Now, ActiveAt: c.Now.Add(c.Delay(LatencyLoadBalancerCreate)), Attributes: defaultLBAttributes(),
	}
	lb.DNSName = fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", name, 1000000000+rand.IntN(999999999), r.Name)
	if scheme == "internal" {
		lb.DNSName = "internal-" + lb.DNSName
	}
	for i := range zones {
		e := ec2r.newENI(ec2r.Subnets[zones[i].SubnetID], "interface", "ELB app/"+name+"/"+id, slices.Clone(groups))
		e.RequesterID = "amazon-elb"
		zones[i].ENIID = e.ID
	}
	lb.Zones = zones
	r.LoadBalancers[lb.ARN] = lb
	r.Tags.Set(lb.ARN, tags)
	return struct {
		LoadBalancers []loadBalancerXML `xml:"LoadBalancers>member"`
	}{[]loadBalancerXML{s.lbXML(r, lb, c.Now)}}, nil
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// elbPage pages items with ELBv2's Marker and PageSize (1-400; the simulator's small page
// size when absent).
func elbPage[T any](c *Call, items []T) ([]T, string, error) {
	size, ok, err := c.Params.Int("PageSize")
	if err != nil {
		return nil, "", Errorf("ValidationError", "Page size must be a number")
	}
	if ok && (size < 1 || size > 400) {
		return nil, "", Errorf("ValidationError", "1 validation error detected: Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400", size)
	}
	page, next, perr := Paginate(items, c.Params.String("Marker"), size, c.Sim().PageSize())
	if perr != nil {
		return nil, "", Errorf("ValidationError", "Invalid marker '%s'", c.Params.String("Marker"))
	}
	return page, next, nil
}

// javaList formats names the way ELB messages list them: [a, b].
func javaList(items []string) string { return "[" + strings.Join(items, ", ") + "]" }

func (r *elbRegion) getLB(arn string) (*loadBalancer, error) {
	lb, ok := r.LoadBalancers[arn]
	if !ok {
		return nil, Errorf("LoadBalancerNotFound", "Load balancer '%s' not found", arn)
	}
	return lb, nil
}

// byARNsOrNames picks the resources a Describe call names, by ARN (the key of all) or by
// name, and lists the ones that do not exist: ELBv2 then refuses the whole call.
func byARNsOrNames[T any](all map[string]T, arns, names []string, nameOf func(T) string) (list []T, missing []string) {
	for _, a := range arns {
		if v, ok := all[a]; ok {
			list = append(list, v)
		} else {
			missing = append(missing, a)
		}
	}
	for _, n := range names {
		found := false
		for _, v := range all {
			if nameOf(v) == n {
				list, found = append(list, v), true
			}
		}
		if !found {
			missing = append(missing, n)
		}
	}
	return list, missing
}

func (s *elbv2State) describeLoadBalancers(c *Call) (any, error) {
	r := s.region(c)
	arns, names := c.Params.Strings("LoadBalancerArns"), c.Params.Strings("Names")
	if len(arns) > 0 && len(names) > 0 {
		return nil, Errorf("ValidationError", "Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	var list []*loadBalancer
	switch {
	case len(arns) > 0 || len(names) > 0:
		var missing []string
		list, missing = byARNsOrNames(r.LoadBalancers, arns, names, func(lb *loadBalancer) string { return lb.Name })
		if len(missing) > 0 {
			return nil, Errorf("LoadBalancerNotFound", "Load balancers '%s' not found", javaList(missing))
		}
	default:
		list = slices.Collect(maps.Values(r.LoadBalancers))
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	page, next, err := elbPage(c, list)
	if err != nil {
		return nil, err
	}
	out := struct {
		LoadBalancers []loadBalancerXML `xml:"LoadBalancers>member"`
		NextMarker    string            `xml:"NextMarker,omitempty"`
	}{NextMarker: next}
	for _, lb := range page {
		out.LoadBalancers = append(out.LoadBalancers, s.lbXML(r, lb, c.Now))
	}
	return out, nil
}

// deleteLoadBalancer deletes the load balancer and its listeners at once; its interfaces
// are released only after LatencyLoadBalancerENIRelease, so its subnets and security groups
// stay in use for a while. An unknown ARN succeeds, as on AWS.
func (s *elbv2State) deleteLoadBalancer(c *Call) (any, error) {
	r := s.region(c)
	arn := c.Params.String("LoadBalancerArn")
	if arn == "" {
		return nil, Errorf("ValidationError", "A load balancer ARN must be specified")
	}
	lb, ok := r.LoadBalancers[arn]
	if !ok {
		return struct{}{}, nil
	}
	if lb.Attributes["deletion_protection.enabled"] == "true" {
		return nil, Errorf("OperationNotPermitted", "Load balancer '%s' cannot be deleted because deletion protection is enabled", arn)
	}
	for la, l := range r.Listeners {
		if l.LoadBalancerArn == arn {
			s.dropListener(r, la, c.Now)
		}
	}
	ec2r := s.ec2(c)
	at := c.Now.Add(c.Delay(LatencyLoadBalancerENIRelease))
	for _, z := range lb.Zones {
		ec2r.releaseENIAt(z.ENIID, at)
	}
	ec2r.sweepENIs(c.Now) // at time scale 0 they go now
	r.Tags.Forget(arn)
	delete(r.LoadBalancers, arn)
	return struct{}{}, nil
}

type attributeXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func attributesXML(m map[string]string) []attributeXML {
	out := []attributeXML{}
	for _, k := range sortedKeys(m) {
		out = append(out, attributeXML{k, m[k]})
	}
	return out
}

type attributesResult struct {
	Attributes []attributeXML `xml:"Attributes>member"`
}

func (s *elbv2State) describeLoadBalancerAttributes(c *Call) (any, error) {
	lb, err := s.region(c).getLB(c.Params.String("LoadBalancerArn"))
	if err != nil {
		return nil, err
	}
	return attributesResult{attributesXML(lb.Attributes)}, nil
}

// checkAttribute validates one attribute value against what AWS accepts for its key.
func checkAttribute(known map[string]string, k, v string, ranges map[string][2]int) error {
	if _, ok := known[k]; !ok {
		return Errorf("ValidationError", "Attribute key '%s' is not recognized", k)
	}
	if strings.HasSuffix(k, ".enabled") && v != "true" && v != "false" {
		return Errorf("ValidationError", "Attribute '%s' must be 'true' or 'false'", k)
	}
	if rg, ok := ranges[k]; ok {
		var n int
		if _, err := fmt.Sscanf(v, "%d", &n); err != nil || fmt.Sprint(n) != v || n < rg[0] || n > rg[1] {
			return Errorf("ValidationError", "Attribute '%s' must be an integer between %d and %d", k, rg[0], rg[1])
		}
	}
	return nil
}

var lbAttributeRanges = map[string][2]int{
	"idle_timeout.timeout_seconds": {1, 4000},
	"client_keep_alive.seconds":    {60, 604800},
}

func (s *elbv2State) modifyLoadBalancerAttributes(c *Call) (any, error) {
	lb, err := s.region(c).getLB(c.Params.String("LoadBalancerArn"))
	if err != nil {
		return nil, err
	}
	if err := modifyAttributes(c, lb.Attributes, lbAttributeRanges); err != nil {
		return nil, err
	}
	return attributesResult{attributesXML(lb.Attributes)}, nil
}

// modifyAttributes applies the call's Attributes to have, all or none: one invalid
// attribute refuses the whole call, as ELBv2 does.
func modifyAttributes(c *Call, have map[string]string, ranges map[string][2]int) error {
	attrs := c.Params.List("Attributes")
	if len(attrs) == 0 {
		return Errorf("ValidationError", "At least one attribute must be specified")
	}
	changes := map[string]string{}
	for _, a := range attrs {
		k, v := a.String("Key"), a.String("Value")
		if err := checkAttribute(have, k, v, ranges); err != nil {
			return err
		}
		changes[k] = v
	}
	maps.Copy(have, changes)
	return nil
}

// setSecurityGroups replaces the load balancer's groups, on its interfaces too.
func (s *elbv2State) setSecurityGroups(c *Call) (any, error) {
	lb, err := s.region(c).getLB(c.Params.String("LoadBalancerArn"))
	if err != nil {
		return nil, err
	}
	ids := c.Params.Strings("SecurityGroups")
	if len(ids) == 0 {
		return nil, Errorf("ValidationError", "At least one security group must be specified for an Application Load Balancer")
	}
	ec2r := s.ec2(c)
	groups, err := lbGroups(ec2r, lb.VpcID, ids)
	if err != nil {
		return nil, err
	}
	lb.SecurityGroups = groups
	for _, z := range lb.Zones {
		if e, ok := ec2r.ENIs[z.ENIID]; ok {
			e.GroupIDs = slices.Clone(groups)
		}
	}
	return struct {
		SecurityGroupIDs []string `xml:"SecurityGroupIds>member"`
	}{groups}, nil
}

// ---- tags ----

// taggable finds the resource an ARN names, with the NotFound error of its kind.
func (r *elbRegion) taggable(arn string) error {
	switch {
	case strings.Contains(arn, ":loadbalancer/"):
		if _, ok := r.LoadBalancers[arn]; !ok {
			return Errorf("LoadBalancerNotFound", "Load balancer '%s' not found", arn)
		}
	case strings.Contains(arn, ":targetgroup/"):
		if _, ok := r.TargetGroups[arn]; !ok {
			return Errorf("TargetGroupNotFound", "Target groups '%s' not found", javaList([]string{arn}))
		}
	case strings.Contains(arn, ":listener/"):
		if _, ok := r.Listeners[arn]; !ok {
			return Errorf("ListenerNotFound", "One or more listeners not found")
		}
	default:
		return Errorf("ValidationError", "'%s' is not a valid load balancer, target group or listener ARN", arn)
	}
	return nil
}

func resourceArns(p *Params) ([]string, error) {
	arns := p.Strings("ResourceArns")
	if len(arns) == 0 {
		return nil, Errorf("ValidationError", "At least one resource ARN must be specified")
	}
	if len(arns) > 20 {
		return nil, Errorf("ValidationError", "1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to 20")
	}
	return arns, nil
}

func (s *elbv2State) addTags(c *Call) (any, error) {
	r := s.region(c)
	arns, err := resourceArns(c.Params)
	if err != nil {
		return nil, err
	}
	tags, err := elbTags(c.Params)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, Errorf("ValidationError", "At least one tag must be specified")
	}
	for _, a := range arns {
		if err := r.taggable(a); err != nil {
			return nil, err
		}
		merged := r.Tags.Get(a)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, tags)
		if len(merged) > 50 {
			return nil, Errorf("TooManyTags", "The quota for the number of tags that can be assigned to a resource has been reached")
		}
	}
	for _, a := range arns {
		r.Tags.Set(a, tags)
	}
	return struct{}{}, nil
}

func (s *elbv2State) removeTags(c *Call) (any, error) {
	r := s.region(c)
	arns, err := resourceArns(c.Params)
	if err != nil {
		return nil, err
	}
	keys := c.Params.Strings("TagKeys")
	if len(keys) == 0 {
		return nil, Errorf("ValidationError", "At least one tag key must be specified")
	}
	for _, a := range arns {
		if err := r.taggable(a); err != nil {
			return nil, err
		}
	}
	rm := map[string]string{}
	for _, k := range keys {
		rm[k] = ""
	}
	for _, a := range arns {
		r.Tags.Remove(a, rm)
	}
	return struct{}{}, nil
}

type elbTagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type elbTagDescriptionXML struct {
	ResourceArn string      `xml:"ResourceArn"`
	Tags        []elbTagXML `xml:"Tags>member"`
}

func (s *elbv2State) describeTags(c *Call) (any, error) {
	r := s.region(c)
	arns, err := resourceArns(c.Params)
	if err != nil {
		return nil, err
	}
	out := struct {
		TagDescriptions []elbTagDescriptionXML `xml:"TagDescriptions>member"`
	}{}
	for _, a := range arns {
		if err := r.taggable(a); err != nil {
			return nil, err
		}
		d := elbTagDescriptionXML{ResourceArn: a}
		tags := r.Tags.Get(a)
		for _, k := range sortedKeys(tags) {
			d.Tags = append(d.Tags, elbTagXML{k, tags[k]})
		}
		out.TagDescriptions = append(out.TagDescriptions, d)
	}
	return out, nil
}
