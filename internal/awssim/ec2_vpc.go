package awssim

import (
	"net/netip"
)

type vpc struct {
	ID                 string `json:"id"`
	CIDR               string `json:"cidr"`
	CIDRAssociationID  string `json:"cidrAssociationId"`
	EnableDNSSupport   bool   `json:"enableDnsSupport"`
	EnableDNSHostnames bool   `json:"enableDnsHostnames"`
	MainRouteTableID   string `json:"mainRouteTableId"`
	DefaultGroupID     string `json:"defaultGroupId"`
}

type vpcCIDRAssocXML struct {
	AssociationID string `xml:"associationId"`
	CIDRBlock     string `xml:"cidrBlock"`
	State         string `xml:"cidrBlockState>state"`
}

type vpcXML struct {
	VpcID           string            `xml:"vpcId"`
	State           string            `xml:"state"`
	CIDRBlock       string            `xml:"cidrBlock"`
	CIDRAssocs      []vpcCIDRAssocXML `xml:"cidrBlockAssociationSet>item"`
	DhcpOptionsID   string            `xml:"dhcpOptionsId"`
	InstanceTenancy string            `xml:"instanceTenancy"`
	IsDefault       bool              `xml:"isDefault"`
	OwnerID         string            `xml:"ownerId"`
	TagSet          []ec2Tag          `xml:"tagSet>item"`
}

func (r *ec2Region) vpcXML(v *vpc) vpcXML {
	return vpcXML{
		VpcID: v.ID, State: "available", CIDRBlock: v.CIDR,
		CIDRAssocs:    []vpcCIDRAssocXML{{AssociationID: v.CIDRAssociationID, CIDRBlock: v.CIDR, State: "associated"}},
		DhcpOptionsID: "dopt-00000000000000001", InstanceTenancy: "default", OwnerID: Account,
		TagSet: tagSet(r.Tags.Get(v.ID)),
	}
}

// parseCIDR accepts only canonical IPv4 CIDRs ("10.0.0.1/16" is rejected, as on AWS).
func parseCIDR(s, param string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, Errorf("InvalidParameterValue", "Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", s, param)
	}
	return p, nil
}

func (r *ec2Region) getVpc(id string) (*vpc, error) {
	v, ok := r.Vpcs[id]
	if !ok {
		return nil, Errorf("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
	}
	return v, nil
}

func (s *ec2State) createVpc(c *Call) (any, error) {
	r := s.region(c)
	cidr, err := parseCIDR(c.Params.String("CidrBlock"), "cidrBlock")
	if err != nil {
		return nil, err
	}
	if cidr.Bits() < 16 || cidr.Bits() > 28 {
		return nil, Errorf("InvalidVpc.Range", "The CIDR '%s' is invalid.", cidr)
	}
	tags, err := tagSpecs(c.Params, "vpc")
	if err != nil {
		return nil, err
	}
	v := &vpc{ID: NewID("vpc"), CIDR: cidr.String(), CIDRAssociationID: NewID("vpc-cidr-assoc"), EnableDNSSupport: true}
	r.Vpcs[v.ID] = v
	r.Tags.Set(v.ID, tags)
	// Every VPC comes with a main route table (local route) and a "default" security group.
	v.MainRouteTableID = r.newRouteTable(v, true).ID
	v.DefaultGroupID = r.newSecurityGroup(v.ID, "default", "default VPC security group", true).ID
	return struct {
		Vpc vpcXML `xml:"vpc"`
	}{r.vpcXML(v)}, nil
}

func (s *ec2State) describeVpcs(c *Call) (any, error) {
	r := s.region(c)
	page, next, err := describe(c, r, r.Vpcs, "VpcId", idNotFound("InvalidVpcID.NotFound", "vpc"), func(v *vpc) func(string) ([]string, bool) {
		return fieldMap(map[string][]string{
			"vpc-id": {v.ID}, "cidr": {v.CIDR}, "cidr-block": {v.CIDR}, "cidr-block-association.cidr-block": {v.CIDR},
			"state": {"available"}, "is-default": {"false"}, "owner-id": {Account}, "dhcp-options-id": {"dopt-00000000000000001"},
		})
	}, pages5to1000)
	if err != nil {
		return nil, err
	}
	out := struct {
		Vpcs      []vpcXML `xml:"vpcSet>item"`
		NextToken string   `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, v := range page {
		out.Vpcs = append(out.Vpcs, r.vpcXML(v))
	}
	return out, nil
}

// deleteVpc fails while anything the user created is still in the VPC or a request to peer
// with it waits; the main route table, the default security group, the VPC's active peering
// connections and its own pending requests go with it.
func (s *ec2State) deleteVpc(c *Call) (any, error) {
	r := s.region(c)
	v, err := r.getVpc(c.Params.String("VpcId"))
	if err != nil {
		return nil, err
	}
	dv := Errorf("DependencyViolation", "The vpc '%s' has dependencies and cannot be deleted.", v.ID)
	for _, sn := range r.Subnets {
		if sn.VpcID == v.ID {
			return nil, dv
		}
	}
	for _, g := range r.IGWs {
		if g.VpcID == v.ID {
			return nil, dv
		}
	}
	for _, sg := range r.SecurityGroups {
		if sg.VpcID == v.ID && sg.ID != v.DefaultGroupID {
			return nil, dv
		}
	}
	for _, rt := range r.RouteTables {
		if rt.VpcID == v.ID && rt.ID != v.MainRouteTableID {
			return nil, dv
		}
	}
	// AWS refuses while another account's request to peer waits on the VPC; the simulator
	// has one account, so every pending request to it counts as one.
	for _, p := range r.Peerings {
		if p.Status == "pending-acceptance" && p.AccepterVpc == v.ID {
			return nil, dv
		}
	}
	for _, p := range r.Peerings {
		if p.live() && (p.RequesterVpc == v.ID || p.AccepterVpc == v.ID) {
			p.end(c, "deleted", "Deleted by "+Account)
		}
	}
	for _, id := range []string{v.MainRouteTableID, v.DefaultGroupID, v.ID} {
		r.Tags.Forget(id)
	}
	delete(r.RouteTables, v.MainRouteTableID)
	delete(r.SecurityGroups, v.DefaultGroupID)
	delete(r.Vpcs, v.ID)
	return ec2Return{Return: true}, nil
}

func (s *ec2State) modifyVpcAttribute(c *Call) (any, error) {
	r := s.region(c)
	v, err := r.getVpc(c.Params.String("VpcId"))
	if err != nil {
		return nil, err
	}
	support, hasSupport := c.Params.Bool("EnableDnsSupport.Value")
	hostnames, hasHostnames := c.Params.Bool("EnableDnsHostnames.Value")
	if hasSupport == hasHostnames {
		return nil, Errorf("InvalidParameterCombination", "Exactly one attribute must be specified per request.")
	}
	if hasSupport {
		v.EnableDNSSupport = support
	}
	if hasHostnames {
		if hostnames && !v.EnableDNSSupport {
			return nil, Errorf("InvalidParameterValue", "enableDnsHostnames requires enableDnsSupport to be enabled")
		}
		v.EnableDNSHostnames = hostnames
	}
	return ec2Return{Return: true}, nil
}

type attributeBool struct {
	Value bool `xml:"value"`
}

func (s *ec2State) describeVpcAttribute(c *Call) (any, error) {
	r := s.region(c)
	v, err := r.getVpc(c.Params.String("VpcId"))
	if err != nil {
		return nil, err
	}
	out := struct {
		VpcID              string         `xml:"vpcId"`
		EnableDNSSupport   *attributeBool `xml:"enableDnsSupport,omitempty"`
		EnableDNSHostnames *attributeBool `xml:"enableDnsHostnames,omitempty"`
	}{VpcID: v.ID}
	switch attr := c.Params.String("Attribute"); attr {
	case "enableDnsSupport":
		out.EnableDNSSupport = &attributeBool{v.EnableDNSSupport}
	case "enableDnsHostnames":
		out.EnableDNSHostnames = &attributeBool{v.EnableDNSHostnames}
	default:
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	return out, nil
}
