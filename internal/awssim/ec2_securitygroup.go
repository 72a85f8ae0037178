package awssim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// sgRule is one permission with one peer (a CIDR or a group), as AWS stores rules.
type sgRule struct {
	ID          string `json:"id"`
	Protocol    string `json:"protocol"`
	FromPort    int    `json:"fromPort"`
	ToPort      int    `json:"toPort"`
	CIDR        string `json:"cidr,omitempty"`
	GroupID     string `json:"groupId,omitempty"`
	Description string `json:"description,omitempty"`
}

func (a sgRule) same(b sgRule) bool {
	return a.Protocol == b.Protocol && a.FromPort == b.FromPort && a.ToPort == b.ToPort && a.CIDR == b.CIDR && a.GroupID == b.GroupID
}

type securityGroup struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	VpcID       string   `json:"vpcId"`
	Ingress     []sgRule `json:"ingress"`
	Egress      []sgRule `json:"egress"`
}

var allTraffic = sgRule{Protocol: "-1", CIDR: "0.0.0.0/0"}

// newSecurityGroup creates a group with AWS's default egress rule; the VPC's default group
// also admits traffic from itself.
func (r *ec2Region) newSecurityGroup(vpcID, name, description string, isDefault bool) *securityGroup {
	sg := &securityGroup{ID: NewID("sg"), Name: name, Description: description, VpcID: vpcID}
	egress := allTraffic
	egress.ID = NewID("sgr")
	sg.Egress = []sgRule{egress}
	if isDefault {
		sg.Ingress = []sgRule{{ID: NewID("sgr"), Protocol: "-1", GroupID: sg.ID}}
	}
	r.SecurityGroups[sg.ID] = sg
	return sg
}

func (r *ec2Region) getSecurityGroup(id string) (*securityGroup, error) {
	sg, ok := r.SecurityGroups[id]
	if !ok {
		return nil, Errorf("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
	}
	return sg, nil
}

type userIDGroupPairXML struct {
	GroupID string `xml:"groupId"`
	UserID  string `xml:"userId"`
}

type ipRangeXML struct {
	CidrIP      string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type ipPermissionXML struct {
	IPProtocol string               `xml:"ipProtocol"`
	FromPort   *int                 `xml:"fromPort,omitempty"`
	ToPort     *int                 `xml:"toPort,omitempty"`
	Groups     []userIDGroupPairXML `xml:"groups>item"`
	IPRanges   []ipRangeXML         `xml:"ipRanges>item"`
}

// permissionsXML groups per-peer rules back into AWS's IpPermission shape.
func permissionsXML(rules []sgRule) []ipPermissionXML {
	var out []ipPermissionXML
	index := map[string]int{}
	for _, rule := range rules {
		key := fmt.Sprintf("%s/%d/%d", rule.Protocol, rule.FromPort, rule.ToPort)
		i, ok := index[key]
		if !ok {
			p := ipPermissionXML{IPProtocol: rule.Protocol}
			if rule.Protocol != "-1" {
				from, to := rule.FromPort, rule.ToPort
				p.FromPort, p.ToPort = &from, &to
			}
			out = append(out, p)
			i = len(out) - 1
			index[key] = i
		}
		if rule.GroupID != "" {
			out[i].Groups = append(out[i].Groups, userIDGroupPairXML{GroupID: rule.GroupID, UserID: Account})
		} else {
			out[i].IPRanges = append(out[i].IPRanges, ipRangeXML{CidrIP: rule.CIDR, Description: rule.Description})
		}
	}
	return out
}

type securityGroupXML struct {
	OwnerID             string            `xml:"ownerId"`
	GroupID             string            `xml:"groupId"`
	GroupName           string            `xml:"groupName"`
	GroupDescription    string            `xml:"groupDescription"`
	VpcID               string            `xml:"vpcId"`
	IPPermissions       []ipPermissionXML `xml:"ipPermissions>item"`
	IPPermissionsEgress []ipPermissionXML `xml:"ipPermissionsEgress>item"`
	TagSet              []ec2Tag          `xml:"tagSet>item"`
}

func (r *ec2Region) securityGroupXML(sg *securityGroup) securityGroupXML {
	return securityGroupXML{OwnerID: Account, GroupID: sg.ID, GroupName: sg.Name, GroupDescription: sg.Description,
		VpcID: sg.VpcID, IPPermissions: permissionsXML(sg.Ingress), IPPermissionsEgress: permissionsXML(sg.Egress),
		TagSet: tagSet(r.Tags.Get(sg.ID))}
}

func (s *ec2State) createSecurityGroup(c *Call) (any, error) {
	r := s.region(c)
	name, desc := c.Params.String("GroupName"), c.Params.String("GroupDescription")
	if name == "" || desc == "" {
		return nil, Errorf("MissingParameter", "The request must contain the parameters GroupName and GroupDescription")
	}
	if err := checkGroupName(name, desc); err != nil {
		return nil, err
	}
	if c.Params.String("VpcId") == "" {
		return nil, Errorf("VPCIdNotSpecified", "No default VPC for this user")
	}
	v, err := r.getVpc(c.Params.String("VpcId"))
	if err != nil {
		return nil, err
	}
	if name == "default" {
		return nil, Errorf("InvalidGroup.Reserved", "The security group 'default' is reserved")
	}
	for _, other := range r.SecurityGroups {
		if other.VpcID == v.ID && other.Name == name {
			return nil, Errorf("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, v.ID)
		}
	}
	tags, err := tagSpecs(c.Params, "security-group")
	if err != nil {
		return nil, err
	}
	sg := r.newSecurityGroup(v.ID, name, desc, false)
	r.Tags.Set(sg.ID, tags)
	return struct {
		GroupID  string   `xml:"groupId"`
		GroupArn string   `xml:"securityGroupArn"`
		TagSet   []ec2Tag `xml:"tagSet>item"`
	}{sg.ID, ARN("ec2", r.Name, "security-group/"+sg.ID), tagSet(tags)}, nil
}

// findGroup resolves GroupId, or GroupName (unique across VPCs here, as there is no default VPC).
func (r *ec2Region) findGroup(p *Params) (*securityGroup, error) {
	if id := p.String("GroupId"); id != "" {
		return r.getSecurityGroup(id)
	}
	name := p.String("GroupName")
	for _, sg := range r.SecurityGroups {
		if sg.Name == name && name != "" {
			return sg, nil
		}
	}
	return nil, Errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC", name)
}

// deleteSecurityGroup refuses the default group, groups referenced by another group's rule
// and groups attached to network interfaces.
func (s *ec2State) deleteSecurityGroup(c *Call) (any, error) {
	r := s.region(c)
	sg, err := r.findGroup(c.Params)
	if err != nil {
		return nil, err
	}
	if v, ok := r.Vpcs[sg.VpcID]; ok && v.DefaultGroupID == sg.ID {
		return nil, Errorf("CannotDelete", "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", sg.ID)
	}
	dv := Errorf("DependencyViolation", "resource %s has a dependent object", sg.ID)
	for _, other := range r.SecurityGroups {
		if other.ID == sg.ID {
			continue
		}
		for _, rule := range slices.Concat(other.Ingress, other.Egress) {
			if rule.GroupID == sg.ID {
				return nil, dv
			}
		}
	}
	for _, e := range r.ENIs {
		if slices.Contains(e.GroupIDs, sg.ID) {
			return nil, dv
		}
	}
	r.Tags.Forget(sg.ID)
	delete(r.SecurityGroups, sg.ID)
	return ec2Return{Return: true}, nil
}

func (s *ec2State) describeSecurityGroups(c *Call) (any, error) {
	r := s.region(c)
	for _, name := range c.Params.Strings("GroupName") {
		found := false
		for _, sg := range r.SecurityGroups {
			found = found || sg.Name == name
		}
		if !found {
			return nil, Errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC", name)
		}
	}
	names := c.Params.Strings("GroupName")
	lim := pages5to1000
	if len(names) > 0 {
		// Names are matched after describe, so pages would come out short; AWS refuses
		// MaxResults with names anyway.
		if _, err := maxResults(c.Params, lim, "GroupName"); err != nil {
			return nil, err
		}
		lim = notPaginated
	}
	page, next, err := describe(c, r, r.SecurityGroups, "GroupId", idNotFound("InvalidGroup.NotFound", "security group"),
		func(sg *securityGroup) func(string) ([]string, bool) {
			m := map[string][]string{"group-id": {sg.ID}, "group-name": {sg.Name}, "vpc-id": {sg.VpcID},
				"description": {sg.Description}, "owner-id": {Account},
				"ip-permission.group-id": nil, "ip-permission.cidr": nil, "ip-permission.protocol": nil,
				"ip-permission.from-port": nil, "ip-permission.to-port": nil,
				"egress.ip-permission.group-id": nil, "egress.ip-permission.cidr": nil}
			for prefix, rules := range map[string][]sgRule{"ip-permission.": sg.Ingress, "egress.ip-permission.": sg.Egress} {
				for _, rule := range rules {
					m[prefix+"group-id"] = append(m[prefix+"group-id"], rule.GroupID)
					m[prefix+"cidr"] = append(m[prefix+"cidr"], rule.CIDR)
					if prefix == "ip-permission." {
						m[prefix+"protocol"] = append(m[prefix+"protocol"], rule.Protocol)
						m[prefix+"from-port"] = append(m[prefix+"from-port"], strconv.Itoa(rule.FromPort))
						m[prefix+"to-port"] = append(m[prefix+"to-port"], strconv.Itoa(rule.ToPort))
					}
				}
			}
			return fieldMap(m)
		}, lim)
	if err != nil {
		return nil, err
	}
	out := struct {
		SecurityGroups []securityGroupXML `xml:"securityGroupInfo>item"`
		NextToken      string             `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, sg := range page {
		if len(names) > 0 && !slices.Contains(names, sg.Name) {
			continue
		}
		out.SecurityGroups = append(out.SecurityGroups, r.securityGroupXML(sg))
	}
	return out, nil
}

// parsePermissions reads IpPermissions.N into per-peer rules, checking referenced groups.
func (r *ec2Region) parsePermissions(p *Params) ([]sgRule, error) {
	var rules []sgRule
	for _, perm := range p.List("IpPermissions") {
		proto := strings.ToLower(perm.String("IpProtocol"))
		switch proto {
		case "tcp", "udp", "icmp", "-1":
		case "all":
			proto = "-1"
		case "6":
			proto = "tcp"
		case "17":
			proto = "udp"
		default:
			return nil, Errorf("InvalidParameterValue", "Invalid value '%s' for IP protocol. Unknown protocol.", proto)
		}
		base := sgRule{Protocol: proto}
		if proto != "-1" {
			from, hasFrom, err := perm.Int("FromPort")
			if err != nil {
				return nil, err
			}
			to, hasTo, err := perm.Int("ToPort")
			if err != nil {
				return nil, err
			}
			if !hasFrom || !hasTo || from > to {
				return nil, Errorf("InvalidParameterValue", "Invalid port range %d-%d for protocol %s", from, to, proto)
			}
			base.FromPort, base.ToPort = from, to
		}
		for _, rg := range perm.List("IpRanges") {
			cidr, err := netipPrefix(rg.String("CidrIp"))
			if err != nil {
				return nil, err
			}
			rule := base
			rule.CIDR, rule.Description = cidr, rg.String("Description")
			rules = append(rules, rule)
		}
		for _, g := range perm.List("Groups") {
			if _, err := r.getSecurityGroup(g.String("GroupId")); err != nil {
				return nil, err
			}
			rule := base
			rule.GroupID, rule.Description = g.String("GroupId"), g.String("Description")
			rules = append(rules, rule)
		}
	}
	if len(rules) == 0 {
		return nil, Errorf("MissingParameter", "The request must contain the parameter ipPermissions")
	}
	return rules, nil
}

func netipPrefix(s string) (string, error) {
	p, err := parseCIDR(s, "cidrIp")
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

type sgRuleXML struct {
	SecurityGroupRuleID string `xml:"securityGroupRuleId"`
	GroupID             string `xml:"groupId"`
	GroupOwnerID        string `xml:"groupOwnerId"`
	IsEgress            bool   `xml:"isEgress"`
	IPProtocol          string `xml:"ipProtocol"`
	FromPort            int    `xml:"fromPort"`
	ToPort              int    `xml:"toPort"`
	CidrIPv4            string `xml:"cidrIpv4,omitempty"`
	ReferencedGroupID   string `xml:"referencedGroupInfo>groupId,omitempty"`
}

// permissionsCall reads the group and the rules of an Authorize/Revoke call, and returns
// the rule list (ingress or egress) it changes.
func (s *ec2State) permissionsCall(c *Call, egress bool) (*securityGroup, []sgRule, *[]sgRule, error) {
	r := s.region(c)
	sg, err := r.getSecurityGroup(c.Params.String("GroupId"))
	if err != nil {
		return nil, nil, nil, err
	}
	rules, err := r.parsePermissions(c.Params)
	if err != nil {
		return nil, nil, nil, err
	}
	if egress {
		return sg, rules, &sg.Egress, nil
	}
	return sg, rules, &sg.Ingress, nil
}

func (s *ec2State) authorize(c *Call, egress bool) (any, error) {
	sg, rules, target, err := s.permissionsCall(c, egress)
	if err != nil {
		return nil, err
	}
	for _, rule := range rules {
		if slices.ContainsFunc(*target, rule.same) {
			peer := rule.CIDR + rule.GroupID
			return nil, Errorf("InvalidPermission.Duplicate", "the specified rule \"peer: %s, %s, from port: %d, to port: %d, ALLOW\" already exists",
				peer, strings.ToUpper(rule.Protocol), rule.FromPort, rule.ToPort)
		}
	}
	out := struct {
		Return bool        `xml:"return"`
		Rules  []sgRuleXML `xml:"securityGroupRuleSet>item"`
	}{Return: true}
	for _, rule := range rules {
		rule.ID = NewID("sgr")
		*target = append(*target, rule)
		out.Rules = append(out.Rules, sgRuleXML{SecurityGroupRuleID: rule.ID, GroupID: sg.ID, GroupOwnerID: Account,
			IsEgress: egress, IPProtocol: rule.Protocol, FromPort: rule.FromPort, ToPort: rule.ToPort,
			CidrIPv4: rule.CIDR, ReferencedGroupID: rule.GroupID})
	}
	return out, nil
}

func (s *ec2State) revoke(c *Call, egress bool) (any, error) {
	_, rules, target, err := s.permissionsCall(c, egress)
	if err != nil {
		return nil, err
	}
	for _, rule := range rules {
		if !slices.ContainsFunc(*target, rule.same) {
			return nil, Errorf("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
		}
	}
	for _, rule := range rules {
		*target = slices.DeleteFunc(*target, rule.same)
	}
	return ec2Return{Return: true}, nil
}

func (s *ec2State) authorizeIngress(c *Call) (any, error) { return s.authorize(c, false) }
func (s *ec2State) authorizeEgress(c *Call) (any, error)  { return s.authorize(c, true) }
func (s *ec2State) revokeIngress(c *Call) (any, error)    { return s.revoke(c, false) }
func (s *ec2State) revokeEgress(c *Call) (any, error)     { return s.revoke(c, true) }
