package awssim

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

type address struct {
	AllocationID string `json:"allocationId"`
	PublicIP     string `json:"publicIp"`
	// ENIID is the interface the address is mapped to; the association lasts as long as
	// the interface does (a NAT gateway's until the NAT is deleted).
	ENIID         string `json:"eniId,omitempty"`
	AssociationID string `json:"associationId,omitempty"`
}

type addressXML struct {
	PublicIP                string   `xml:"publicIp"`
	AllocationID            string   `xml:"allocationId"`
	Domain                  string   `xml:"domain"`
	AssociationID           string   `xml:"associationId,omitempty"`
	NetworkInterfaceID      string   `xml:"networkInterfaceId,omitempty"`
	NetworkInterfaceOwnerID string   `xml:"networkInterfaceOwnerId,omitempty"`
	PrivateIPAddress        string   `xml:"privateIpAddress,omitempty"`
	NetworkBorderGroup      string   `xml:"networkBorderGroup"`
	PublicIPv4Pool          string   `xml:"publicIpv4Pool"`
	TagSet                  []ec2Tag `xml:"tagSet>item"`
}

func (r *ec2Region) addressXML(a *address) addressXML {
	out := addressXML{PublicIP: a.PublicIP, AllocationID: a.AllocationID, Domain: "vpc",
		NetworkBorderGroup: r.Name, PublicIPv4Pool: "amazon", TagSet: tagSet(r.Tags.Get(a.AllocationID))}
	if e, ok := r.ENIs[a.ENIID]; ok {
		out.AssociationID, out.NetworkInterfaceID = a.AssociationID, e.ID
		out.NetworkInterfaceOwnerID, out.PrivateIPAddress = Account, e.PrivateIP
	}
	return out
}

func (r *ec2Region) getAddress(id string) (*address, error) {
	a, ok := r.Addresses[id]
	if !ok {
		return nil, Errorf("InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist", id)
	}
	return a, nil
}

func (s *ec2State) allocateAddress(c *Call) (any, error) {
	r := s.region(c)
	if d := c.Params.String("Domain"); d != "" && d != "vpc" {
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter domain is invalid.", d)
	}
	tags, err := tagSpecs(c.Params, "elastic-ip")
	if err != nil {
		return nil, err
	}
	a := &address{
		AllocationID: NewID("eipalloc"),
		// 198.18.0.0/15 is reserved for benchmarking: never a real address.
		PublicIP: fmt.Sprintf("198.18.%d.%d", rand.IntN(256), 1+rand.IntN(254)),
	}
	r.Addresses[a.AllocationID] = a
	r.Tags.Set(a.AllocationID, tags)
	return struct {
		PublicIP           string `xml:"publicIp"`
		AllocationID       string `xml:"allocationId"`
		Domain             string `xml:"domain"`
		NetworkBorderGroup string `xml:"networkBorderGroup"`
		PublicIPv4Pool     string `xml:"publicIpv4Pool"`
	}{a.PublicIP, a.AllocationID, "vpc", r.Name, "amazon"}, nil
}

// describeAddresses is not paginated on AWS either.
func (s *ec2State) describeAddresses(c *Call) (any, error) {
	r := s.region(c)
	list, _, err := describe(c, r, r.Addresses, "AllocationId", idNotFound("InvalidAllocationID.NotFound", "allocation"),
		func(a *address) func(string) ([]string, bool) {
			x := r.addressXML(a)
			return fieldMap(map[string][]string{
				"allocation-id": {a.AllocationID}, "public-ip": {a.PublicIP}, "domain": {"vpc"},
				"association-id": {x.AssociationID}, "network-interface-id": {x.NetworkInterfaceID},
				"private-ip-address": {x.PrivateIPAddress}, "network-border-group": {r.Name},
				"network-interface-owner-id": {x.NetworkInterfaceOwnerID},
			})
		}, notPaginated)
	if err != nil {
		return nil, err
	}
	wantIPs := c.Params.Strings("PublicIp")
	out := struct {
		Addresses []addressXML `xml:"addressesSet>item"`
	}{}
	for _, ip := range wantIPs {
		found := false
		for _, a := range r.Addresses {
			found = found || a.PublicIP == ip
		}
		if !found {
			return nil, Errorf("InvalidAddress.NotFound", "Address '%s' not found.", ip)
		}
	}
	for _, a := range list {
		if len(wantIPs) == 0 || slices.Contains(wantIPs, a.PublicIP) {
			out.Addresses = append(out.Addresses, r.addressXML(a))
		}
	}
	return out, nil
}

// releaseAddress fails while the address is mapped. For an address a NAT gateway holds, AWS
// answers AuthFailure (the association is service-managed), not InvalidIPAddress.InUse.
func (s *ec2State) releaseAddress(c *Call) (any, error) {
	r := s.region(c)
	if c.Params.String("AllocationId") == "" {
		return nil, Errorf("InvalidParameterValue", "You must specify an allocation id when releasing a VPC elastic IP address")
	}
	a, err := r.getAddress(c.Params.String("AllocationId"))
	if err != nil {
		return nil, err
	}
	if e, ok := r.ENIs[a.ENIID]; ok {
		if e.InterfaceType == "nat_gateway" {
			return nil, Errorf("AuthFailure", "You do not have permission to access the specified resource.")
		}
		return nil, Errorf("InvalidIPAddress.InUse", "Address %s is in use.", a.AllocationID)
	}
	r.Tags.Forget(a.AllocationID)
	delete(r.Addresses, a.AllocationID)
	return struct{}{}, nil
}
