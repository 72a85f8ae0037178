package awssim

import (
	"maps"
	"slices"
	"strings"
	"time"
)

func init() { register(newEC2) }

// ec2State is EC2 state per region. All fields are exported for persistence.
type ec2State struct {
	Regions map[string]*ec2Region `json:"regions"`
	sim     *Sim
}

type ec2Region struct {
	Name           string                    `json:"name"`
	Vpcs           map[string]*vpc           `json:"vpcs"`
	Subnets        map[string]*subnet        `json:"subnets"`
	IGWs           map[string]*internetGW    `json:"igws"`
	Addresses      map[string]*address       `json:"addresses"`
	NatGateways    map[string]*natGateway    `json:"natGateways"`
	RouteTables    map[string]*routeTable    `json:"routeTables"`
	SecurityGroups map[string]*securityGroup `json:"securityGroups"`
	ENIs           map[string]*eni           `json:"enis"`
	Peerings       map[string]*peering       `json:"vpcPeeringConnections"`
	Tags           TagStore                  `json:"tags"`
	Tokens         Idempotency               `json:"tokens"`
}

func newEC2(sim *Sim) *Service {
	s := &ec2State{sim: sim}
	s.Reset()
	return &Service{
		Name:     "ec2",
		Protocol: EC2Query,
		XMLNS:    "http://ec2.amazonaws.com/doc/2016-11-15/",
		State:    s,
		Ops: map[string]Op{
			"DescribeAvailabilityZones":     s.describeAvailabilityZones,
			"CreateVpc":                     s.createVpc,
			"DescribeVpcs":                  s.describeVpcs,
			"DeleteVpc":                     s.deleteVpc,
			"ModifyVpcAttribute":            s.modifyVpcAttribute,
			"DescribeVpcAttribute":          s.describeVpcAttribute,
			"CreateSubnet":                  s.createSubnet,
			"DescribeSubnets":               s.describeSubnets,
			"DeleteSubnet":                  s.deleteSubnet,
			"ModifySubnetAttribute":         s.modifySubnetAttribute,
			"CreateInternetGateway":         s.createInternetGateway,
			"AttachInternetGateway":         s.attachInternetGateway,
			"DetachInternetGateway":         s.detachInternetGateway,
			"DescribeInternetGateways":      s.describeInternetGateways,
			"DeleteInternetGateway":         s.deleteInternetGateway,
			"AllocateAddress":               s.allocateAddress,
			"DescribeAddresses":             s.describeAddresses,
			"ReleaseAddress":                s.releaseAddress,
			"CreateNatGateway":              s.createNatGateway,
			"DescribeNatGateways":           s.describeNatGateways,
			"DeleteNatGateway":              s.deleteNatGateway,
			"CreateRouteTable":              s.createRouteTable,
			"DescribeRouteTables":           s.describeRouteTables,
			"DeleteRouteTable":              s.deleteRouteTable,
			"CreateRoute":                   s.createRoute,
			"ReplaceRoute":                  s.replaceRoute,
			"DeleteRoute":                   s.deleteRoute,
			"AssociateRouteTable":           s.associateRouteTable,
			"DisassociateRouteTable":        s.disassociateRouteTable,
			"ReplaceRouteTableAssociation":  s.replaceRouteTableAssociation,
			"CreateSecurityGroup":           s.createSecurityGroup,
			"DescribeSecurityGroups":        s.describeSecurityGroups,
			"DeleteSecurityGroup":           s.deleteSecurityGroup,
			"AuthorizeSecurityGroupIngress": s.authorizeIngress,
			"AuthorizeSecurityGroupEgress":  s.authorizeEgress,
			"RevokeSecurityGroupIngress":    s.revokeIngress,
			"RevokeSecurityGroupEgress":     s.revokeEgress,
			"CreateTags":                    s.createTags,
			"DeleteTags":                    s.deleteTags,
			"DescribeTags":                  s.describeTags,
			"DescribeNetworkInterfaces":     s.describeNetworkInterfaces,
			"CreateNetworkInterface":        s.createNetworkInterface,
			"DeleteNetworkInterface":        s.deleteNetworkInterface,
			"CreateVpcPeeringConnection":    s.createVpcPeeringConnection,
			"AcceptVpcPeeringConnection":    s.acceptVpcPeeringConnection,
			"RejectVpcPeeringConnection":    s.rejectVpcPeeringConnection,
			"DeleteVpcPeeringConnection":    s.deleteVpcPeeringConnection,
			"DescribeVpcPeeringConnections": s.describeVpcPeeringConnections,
		},
	}
}

func (s *ec2State) Reset() { s.Regions = map[string]*ec2Region{} }

// region returns the call's regional state, first applying every transition that is due.
func (s *ec2State) region(c *Call) *ec2Region {
	r, ok := s.Regions[c.Region]
	if !ok {
		r = &ec2Region{Name: c.Region}
		s.Regions[c.Region] = r
	}
	r.init()
	r.sweep(c.Now)
	return r
}

// init makes maps usable, also after loading a state file that lacks some of them.
func (r *ec2Region) init() {
	if r.Vpcs == nil {
		r.Vpcs = map[string]*vpc{}
	}
	if r.Subnets == nil {
		r.Subnets = map[string]*subnet{}
	}
	if r.IGWs == nil {
		r.IGWs = map[string]*internetGW{}
	}
	if r.Addresses == nil {
		r.Addresses = map[string]*address{}
	}
	if r.NatGateways == nil {
		r.NatGateways = map[string]*natGateway{}
	}
	if r.RouteTables == nil {
		r.RouteTables = map[string]*routeTable{}
	}
	if r.SecurityGroups == nil {
		r.SecurityGroups = map[string]*securityGroup{}
	}
	if r.ENIs == nil {
		r.ENIs = map[string]*eni{}
	}
	if r.Peerings == nil {
		r.Peerings = map[string]*peering{}
	}
	if r.Tags == nil {
		r.Tags = TagStore{}
	}
	if r.Tokens == nil {
		r.Tokens = Idempotency{}
	}
}

func (s *ec2State) Live(now time.Time) []Resource {
	var out []Resource
	for _, name := range slices.Sorted(maps.Keys(s.Regions)) {
		r := s.Regions[name]
		r.init()
		r.sweep(now)
		add := func(typ, id string) {
			out = append(out, Resource{Service: "ec2", Type: typ, ID: id, Region: name, Tags: r.Tags.Get(id)})
		}
		for id := range r.Vpcs {
			add("vpc", id)
		}
		for id := range r.Subnets {
			add("subnet", id)
		}
		for id := range r.IGWs {
			add("internet-gateway", id)
		}
		for id := range r.Addresses {
			add("elastic-ip", id)
		}
		for id, n := range r.NatGateways {
			if n.state(now) != "deleted" && n.state(now) != "failed" {
				add("natgateway", id)
			}
		}
		for id := range r.RouteTables {
			add("route-table", id)
		}
		for id := range r.SecurityGroups {
			add("security-group", id)
		}
		for id := range r.ENIs {
			add("network-interface", id)
		}
		for id, p := range r.Peerings {
			if p.live() {
				add("vpc-peering-connection", id)
			}
		}
	}
	return out
}

// ec2Tag is the <item><key/><value/></item> of every tagSet.
type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func tagSet(tags map[string]string) []ec2Tag {
	out := make([]ec2Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, ec2Tag{Key: k, Value: tags[k]})
	}
	return out
}

// tagSpecs returns the tags of TagSpecification entries for resourceType. A specification
// for another type is an error, as on AWS, and so is a tag checkTags refuses.
func tagSpecs(p *Params, resourceType string) (map[string]string, error) {
	tags := map[string]string{}
	for _, spec := range p.List("TagSpecification") {
		if rt := spec.String("ResourceType"); rt != resourceType {
			return nil, Errorf("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", rt)
		}
		maps.Copy(tags, spec.Map("Tag", "Key", "Value"))
	}
	return tags, checkTags("ec2", tags)
}

// ec2Return is the body of operations that answer <return>true</return>.
type ec2Return struct {
	Return bool `xml:"return"`
}

// pageLimits is the MaxResults range of a paginated Describe, from the EC2 model's
// Describe*MaxResults shapes; the zero value means the operation is not paginated.
type pageLimits struct{ min, max int }

var (
	notPaginated = pageLimits{}
	pages5to1000 = pageLimits{5, 1000}
	pages5to100  = pageLimits{5, 100} // DescribeRouteTables
)

// maxResults validates MaxResults as AWS does: within lim, and never together with the
// explicit-ID list idParam. Absent, it is 0 (the simulator's page size).
func maxResults(p *Params, lim pageLimits, idParam string) (int, error) {
	n, ok, err := p.Int("MaxResults")
	if err != nil || !ok {
		return 0, err
	}
	if idParam != "" && len(p.Strings(idParam)) > 0 {
		return 0, Errorf("InvalidParameterCombination", "The parameter %s cannot be used with the parameter MaxResults", idParam)
	}
	if n < lim.min || n > lim.max {
		return 0, Errorf("InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", n, lim.min, lim.max)
	}
	return n, nil
}

// describe implements the common shape of Describe*: explicit IDs (each must exist, else
// notFound), Filters, and pagination within lim when no IDs are given.
func describe[T any](c *Call, r *ec2Region, all map[string]*T, idParam string, notFound func(id string) *APIError,
	fields func(*T) func(string) ([]string, bool), lim pageLimits) ([]*T, string, error) {
	size := 0
	if lim != notPaginated {
		var err error
		if size, err = maxResults(c.Params, lim, idParam); err != nil {
			return nil, "", err
		}
	}
	ids := c.Params.Strings(idParam)
	var candidates []string
	if len(ids) > 0 {
		for _, id := range ids {
			if _, ok := all[id]; !ok {
				return nil, "", notFound(id)
			}
		}
		candidates = ids
	} else {
		candidates = slices.Sorted(maps.Keys(all))
	}
	filters := ParseFilters(c.Params, "Filter")
	var matched []*T
	for _, id := range candidates {
		ok, err := MatchFilters(filters, r.Tags.Get(id), fields(all[id]))
		if err != nil {
			return nil, "", err
		}
		if ok {
			matched = append(matched, all[id])
		}
	}
	if lim == notPaginated || len(ids) > 0 {
		return matched, "", nil
	}
	return Paginate(matched, c.Params.String("NextToken"), size, c.sim.PageSize())
}

// idNotFound is the usual "The vpc ID 'vpc-1' does not exist" error of an unknown ID.
func idNotFound(code, noun string) func(id string) *APIError {
	return func(id string) *APIError { return Errorf(code, "The %s ID '%s' does not exist", noun, id) }
}

// fieldMap adapts a map of filter name to values into MatchFilters' lookup.
func fieldMap(m map[string][]string) func(string) ([]string, bool) {
	return func(name string) ([]string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// resourceTypeOf maps an EC2 ID prefix to its resource type, for DescribeTags and CreateTags.
func resourceTypeOf(id string) string {
	prefix, _, _ := strings.Cut(id, "-")
	return map[string]string{
		"vpc": "vpc", "subnet": "subnet", "igw": "internet-gateway", "eipalloc": "elastic-ip",
		"nat": "natgateway", "rtb": "route-table", "sg": "security-group", "eni": "network-interface",
		"pcx": "vpc-peering-connection",
	}[prefix]
}
