package awssim

import (
	"net/netip"
	"slices"
	"strings"
)

type subnet struct {
	ID          string `json:"id"`
	VpcID       string `json:"vpcId"`
	CIDR        string `json:"cidr"`
	AZ          string `json:"az"`
	MapPublicIP bool   `json:"mapPublicIp"`
	NextHost    int    `json:"nextHost"` // private IPs are handed out in order after the 4 AWS reserves
}

type subnetXML struct {
	SubnetID                string   `xml:"subnetId"`
	SubnetArn               string   `xml:"subnetArn"`
	State                   string   `xml:"state"`
	VpcID                   string   `xml:"vpcId"`
	CIDRBlock               string   `xml:"cidrBlock"`
	AvailableIPAddressCount int      `xml:"availableIpAddressCount"`
	AvailabilityZone        string   `xml:"availabilityZone"`
	AvailabilityZoneID      string   `xml:"availabilityZoneId"`
	DefaultForAz            bool     `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool     `xml:"mapPublicIpOnLaunch"`
	OwnerID                 string   `xml:"ownerId"`
	TagSet                  []ec2Tag `xml:"tagSet>item"`
}

func (r *ec2Region) subnetXML(sn *subnet) subnetXML {
	p := netip.MustParsePrefix(sn.CIDR)
	used := 0
	for _, e := range r.ENIs {
		if e.SubnetID == sn.ID {
			used++
		}
	}
	return subnetXML{
		SubnetID: sn.ID, SubnetArn: ARN("ec2", r.Name, "subnet/"+sn.ID), State: "available", VpcID: sn.VpcID,
		CIDRBlock: sn.CIDR, AvailableIPAddressCount: 1<<(32-p.Bits()) - 5 - used,
		AvailabilityZone: sn.AZ, AvailabilityZoneID: zoneID(r.Name, sn.AZ),
		MapPublicIPOnLaunch: sn.MapPublicIP, OwnerID: Account, TagSet: tagSet(r.Tags.Get(sn.ID)),
	}
}

func (r *ec2Region) getSubnet(id string) (*subnet, error) {
	sn, ok := r.Subnets[id]
	if !ok {
		return nil, Errorf("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
	}
	return sn, nil
}

// allocIP hands out the next private address of a subnet.
func (r *ec2Region) allocIP(sn *subnet) string {
	addr := netip.MustParsePrefix(sn.CIDR).Addr()
	for range 4 + sn.NextHost {
		addr = addr.Next()
	}
	sn.NextHost++
	return addr.String()
}

func (s *ec2State) createSubnet(c *Call) (any, error) {
	r := s.region(c)
	v, err := r.getVpc(c.Params.String("VpcId"))
	if err != nil {
		return nil, err
	}
	cidr, err := parseCIDR(c.Params.String("CidrBlock"), "cidrBlock")
	if err != nil {
		return nil, err
	}
	vpcCIDR := netip.MustParsePrefix(v.CIDR)
	if cidr.Bits() < 16 || cidr.Bits() > 28 || cidr.Bits() < vpcCIDR.Bits() || !vpcCIDR.Contains(cidr.Addr()) {
		return nil, Errorf("InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidr)
	}
	for _, other := range r.Subnets {
		if other.VpcID == v.ID && netip.MustParsePrefix(other.CIDR).Overlaps(cidr) {
			return nil, Errorf("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	names, ids := zones(r.Name)
	az := c.Params.String("AvailabilityZone")
	if id := c.Params.String("AvailabilityZoneId"); az == "" && id != "" {
		for i := range ids {
			if ids[i] == id {
				az = names[i]
			}
		}
		if az == "" {
			return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter availabilityZoneId is invalid.", id)
		}
	}
	if az == "" {
		az = names[0]
	}
	if zoneID(r.Name, az) == "" {
		return nil, Errorf("InvalidParameterValue",
			"Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.",
			az, strings.Join(names, ", "))
	}
	tags, err := tagSpecs(c.Params, "subnet")
	if err != nil {
		return nil, err
	}
	sn := &subnet{ID: NewID("subnet"), VpcID: v.ID, CIDR: cidr.String(), AZ: az}
	r.Subnets[sn.ID] = sn
	r.Tags.Set(sn.ID, tags)
	return struct {
		Subnet subnetXML `xml:"subnet"`
	}{r.subnetXML(sn)}, nil
}

func (s *ec2State) describeSubnets(c *Call) (any, error) {
	r := s.region(c)
	page, next, err := describe(c, r, r.Subnets, "SubnetId", idNotFound("InvalidSubnetID.NotFound", "subnet"), func(sn *subnet) func(string) ([]string, bool) {
		return fieldMap(map[string][]string{
			"subnet-id": {sn.ID}, "vpc-id": {sn.VpcID}, "cidr-block": {sn.CIDR}, "cidr": {sn.CIDR}, "cidrBlock": {sn.CIDR},
			"availability-zone": {sn.AZ}, "availabilityZone": {sn.AZ}, "availability-zone-id": {zoneID(r.Name, sn.AZ)},
			"state": {"available"}, "map-public-ip-on-launch": {boolStr(sn.MapPublicIP)}, "default-for-az": {"false"},
			"owner-id": {Account}, "subnet-arn": {ARN("ec2", r.Name, "subnet/"+sn.ID)},
		})
	}, pages5to1000)
	if err != nil {
		return nil, err
	}
	out := struct {
		Subnets   []subnetXML `xml:"subnetSet>item"`
		NextToken string      `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, sn := range page {
		out.Subnets = append(out.Subnets, r.subnetXML(sn))
	}
	return out, nil
}

// deleteSubnet fails while any network interface (a NAT gateway's included, until the NAT
// is fully deleted) is in the subnet. Route table associations go with the subnet.
func (s *ec2State) deleteSubnet(c *Call) (any, error) {
	r := s.region(c)
	sn, err := r.getSubnet(c.Params.String("SubnetId"))
	if err != nil {
		return nil, err
	}
	for _, e := range r.ENIs {
		if e.SubnetID == sn.ID {
			return nil, Errorf("DependencyViolation", "The subnet '%s' has dependencies and cannot be deleted.", sn.ID)
		}
	}
	for _, rt := range r.RouteTables {
		rt.Associations = slices.DeleteFunc(rt.Associations, func(a rtAssociation) bool { return a.SubnetID == sn.ID })
	}
	r.Tags.Forget(sn.ID)
	delete(r.Subnets, sn.ID)
	return ec2Return{Return: true}, nil
}

func (s *ec2State) modifySubnetAttribute(c *Call) (any, error) {
	r := s.region(c)
	sn, err := r.getSubnet(c.Params.String("SubnetId"))
	if err != nil {
		return nil, err
	}
	if v, ok := c.Params.Bool("MapPublicIpOnLaunch.Value"); ok {
		sn.MapPublicIP = v
	}
	return struct{}{}, nil
}
