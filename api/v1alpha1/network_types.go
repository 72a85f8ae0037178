package v1alpha1

// NATGatewayMode says how many NAT gateways give the private subnets internet access.
// +kubebuilder:validation:Enum=Single;PerAZ;None
type NATGatewayMode string

const (
	// NATGatewaySingle is one NAT gateway in the first public subnet (the seed's layout).
	NATGatewaySingle NATGatewayMode = "Single"
	// NATGatewayPerAZ is one NAT gateway and one private route table per availability zone.
	NATGatewayPerAZ NATGatewayMode = "PerAZ"
	// NATGatewayNone creates no NAT gateway; tasks then run in the public subnets.
	NATGatewayNone NATGatewayMode = "None"
)

// NetworkSpec is the VPC the app runs in. Either the CIDR fields describe a VPC the
// operator creates, or Existing names one it only reads.
//
// The API server fills in vpcCIDR, publicSubnetCIDRs, privateSubnetCIDRs and natGateways
// with their defaults even when existing is set, so for an existing network those fields
// are ignored and must keep their defaults: any other value is refused, because it would
// say something the operator will not do.
//
// +kubebuilder:validation:XValidation:rule="!has(self.availabilityZones) || size(self.availabilityZones) >= 2",message="needs at least two availability zones: an Application Load Balancer requires subnets in two zones",fieldPath=".availabilityZones"
// +kubebuilder:validation:XValidation:rule="!has(self.availabilityZones) || self.availabilityZones.all(z, self.availabilityZones.exists_one(y, y == z))",message="must not list an availability zone twice",fieldPath=".availabilityZones"
// +kubebuilder:validation:XValidation:rule="!has(self.publicSubnetCIDRs) || size(self.publicSubnetCIDRs) == (has(self.availabilityZones) ? size(self.availabilityZones) : 2)",message="needs exactly one public subnet CIDR per availability zone (two when availabilityZones is empty and the region's first two zones are used)",fieldPath=".publicSubnetCIDRs"
// +kubebuilder:validation:XValidation:rule="!has(self.privateSubnetCIDRs) || size(self.privateSubnetCIDRs) == (has(self.availabilityZones) ? size(self.availabilityZones) : 2)",message="needs exactly one private subnet CIDR per availability zone (two when availabilityZones is empty and the region's first two zones are used)",fieldPath=".privateSubnetCIDRs"
// +kubebuilder:validation:XValidation:rule="has(self.existing) || !has(self.vpcCIDR) || !isCIDR(self.vpcCIDR) || !has(self.publicSubnetCIDRs) || self.publicSubnetCIDRs.all(s, !isCIDR(s) || cidr(self.vpcCIDR).containsCIDR(s))",message="every public subnet CIDR must be inside the VPC CIDR (vpcCIDR)",fieldPath=".publicSubnetCIDRs"
// +kubebuilder:validation:XValidation:rule="has(self.existing) || !has(self.vpcCIDR) || !isCIDR(self.vpcCIDR) || !has(self.privateSubnetCIDRs) || self.privateSubnetCIDRs.all(s, !isCIDR(s) || cidr(self.vpcCIDR).containsCIDR(s))",message="every private subnet CIDR must be inside the VPC CIDR (vpcCIDR)",fieldPath=".privateSubnetCIDRs"
// +kubebuilder:validation:XValidation:rule="!has(self.publicSubnetCIDRs) || !self.publicSubnetCIDRs.all(s, isCIDR(s)) || self.publicSubnetCIDRs.all(a, self.publicSubnetCIDRs.exists_one(b, cidr(a).containsCIDR(b) || cidr(b).containsCIDR(a)))",message="public subnet CIDRs must not overlap: every subnet needs its own address range",fieldPath=".publicSubnetCIDRs"
// +kubebuilder:validation:XValidation:rule="!has(self.publicSubnetCIDRs) || !has(self.privateSubnetCIDRs) || !(self.publicSubnetCIDRs + self.privateSubnetCIDRs).all(s, isCIDR(s)) || self.privateSubnetCIDRs.all(a, (self.publicSubnetCIDRs + self.privateSubnetCIDRs).exists_one(b, cidr(a).containsCIDR(b) || cidr(b).containsCIDR(a)))",message="private subnet CIDRs must not overlap each other or a public subnet: every subnet needs its own address range",fieldPath=".privateSubnetCIDRs"
// +kubebuilder:validation:XValidation:rule="!has(self.existing) || !has(self.availabilityZones)",message="must be empty when existing is set: the zones are those of the existing subnets",fieldPath=".availabilityZones"
// +kubebuilder:validation:XValidation:rule="!has(self.existing) || !has(self.vpcCIDR) || self.vpcCIDR == '10.0.0.0/16'",message="must be left at its default when existing is set: the operator creates no VPC for an existing network",fieldPath=".vpcCIDR"
// +kubebuilder:validation:XValidation:rule="!has(self.existing) || !has(self.publicSubnetCIDRs) || self.publicSubnetCIDRs == ['10.0.1.0/24', '10.0.2.0/24']",message="must be left at its default when existing is set: the operator creates no subnets for an existing network, use existing.publicSubnetIDs",fieldPath=".publicSubnetCIDRs"
// +kubebuilder:validation:XValidation:rule="!has(self.existing) || !has(self.privateSubnetCIDRs) || self.privateSubnetCIDRs == ['10.0.3.0/24', '10.0.4.0/24']",message="must be left at its default when existing is set: the operator creates no subnets for an existing network, use existing.privateSubnetIDs",fieldPath=".privateSubnetCIDRs"
// +kubebuilder:validation:XValidation:rule="!has(self.existing) || !has(self.natGateways) || self.natGateways != 'PerAZ'",message="cannot be PerAZ when existing is set: the operator creates no NAT gateways for an existing network",fieldPath=".natGateways"
// +kubebuilder:validation:XValidation:rule="has(self.existing) == has(oldSelf.existing)",message="cannot switch between an operator-created and an existing network: that would orphan or replace the VPC the service runs in; create a new FlaskDeployment instead",fieldPath=".existing"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.availabilityZones) || (has(self.availabilityZones) && self.availabilityZones == oldSelf.availabilityZones)",message="is immutable once set: subnets cannot move between availability zones",fieldPath=".availabilityZones"
type NetworkSpec struct {
	// VPCCIDR is the IPv4 CIDR block of the VPC the operator creates, a network address
	// with a prefix from /16 to /28. Immutable: AWS cannot change a VPC's primary block.
	// Ignored (and must keep its default) when existing is set.
	// +optional
	// +kubebuilder:default="10.0.0.0/16"
	// +kubebuilder:validation:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="isCIDR(self) && cidr(self).ip().family() == 4",message="must be an IPv4 CIDR such as 10.0.0.0/16"
	// +kubebuilder:validation:XValidation:rule="!isCIDR(self) || (cidr(self).prefixLength() >= 16 && cidr(self).prefixLength() <= 28)",message="prefix length must be between /16 and /28, the VPC sizes AWS allows"
	// +kubebuilder:validation:XValidation:rule="!isCIDR(self) || string(cidr(self).masked()) == self",message="must be a network address with no host bits set, e.g. 10.0.0.0/16 rather than 10.0.0.1/16"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="is immutable: AWS cannot change the primary CIDR block of a VPC; create a new FlaskDeployment for a different range"
	VPCCIDR string `json:"vpcCIDR,omitempty"`

	// AvailabilityZones are the zones the subnets are spread over, one public and one
	// private subnet in each, in the order of the subnet CIDR lists: zone names (such as
	// us-east-1a) of spec.region, at least two, no repeats. When empty, the operator uses the region's first two zones, and then
	// exactly two public and two private subnet CIDRs are needed. Immutable once set:
	// subnets cannot move between zones. Must be empty when existing is set.
	// +optional
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:MaxLength=32
	// +kubebuilder:validation:items:Pattern=`^[a-z]{2,4}(-[a-z0-9]+)+[a-z]$`
	AvailabilityZones []string `json:"availabilityZones,omitempty"`

	// PublicSubnetCIDRs are the public subnets' IPv4 CIDRs, one per availability zone in
	// order, each inside vpcCIDR and overlapping no other subnet. The load balancer and
	// the NAT gateways live here. Ignored (and must keep its default) when existing is set.
	// +optional
	// +kubebuilder:default={"10.0.1.0/24","10.0.2.0/24"}
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="self.all(s, isCIDR(s) && cidr(s).ip().family() == 4)",message="every entry must be an IPv4 CIDR such as 10.0.1.0/24"
	// +kubebuilder:validation:XValidation:rule="self.all(s, !isCIDR(s) || (cidr(s).prefixLength() >= 16 && cidr(s).prefixLength() <= 28))",message="every subnet prefix length must be between /16 and /28, the subnet sizes AWS allows"
	// +kubebuilder:validation:XValidation:rule="self.all(s, !isCIDR(s) || string(cidr(s).masked()) == s)",message="every subnet CIDR must be a network address with no host bits set, e.g. 10.0.1.0/24 rather than 10.0.1.5/24"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="is immutable: AWS cannot change a subnet's CIDR block, and replacing a subnet would move everything running in it; create a new FlaskDeployment for a different layout"
	PublicSubnetCIDRs []string `json:"publicSubnetCIDRs,omitempty"`

	// PrivateSubnetCIDRs are the private subnets' IPv4 CIDRs, one per availability zone
	// in order, each inside vpcCIDR and overlapping no other subnet. The tasks run here.
	// Ignored (and must keep its default) when existing is set.
	// +optional
	// +kubebuilder:default={"10.0.3.0/24","10.0.4.0/24"}
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="self.all(s, isCIDR(s) && cidr(s).ip().family() == 4)",message="every entry must be an IPv4 CIDR such as 10.0.3.0/24"
	// +kubebuilder:validation:XValidation:rule="self.all(s, !isCIDR(s) || (cidr(s).prefixLength() >= 16 && cidr(s).prefixLength() <= 28))",message="every subnet prefix length must be between /16 and /28, the subnet sizes AWS allows"
	// +kubebuilder:validation:XValidation:rule="self.all(s, !isCIDR(s) || string(cidr(s).masked()) == s)",message="every subnet CIDR must be a network address with no host bits set, e.g. 10.0.1.0/24 rather than 10.0.1.5/24"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="is immutable: AWS cannot change a subnet's CIDR block, and replacing a subnet would move everything running in it; create a new FlaskDeployment for a different layout"
	PrivateSubnetCIDRs []string `json:"privateSubnetCIDRs,omitempty"`

	// NATGateways is Single (one, in the first public subnet), PerAZ (one per zone) or
	// None (no NAT: tasks get public IPs in the public subnets). Ignored when existing
	// is set (the existing private subnets bring their own route); PerAZ is then refused.
	// +optional
	// +kubebuilder:default=Single
	NATGateways NATGatewayMode `json:"natGateways,omitempty"`

	// Existing names a network the operator uses as is: nothing of it is created,
	// changed or deleted. With it, the CIDR fields above are ignored and must keep their
	// defaults, and availabilityZones must be empty. Cannot be added or removed after
	// creation.
	// +optional
	Existing *ExistingNetwork `json:"existing,omitempty"`
}

// ExistingNetwork is a VPC and subnets created outside the operator.
// +kubebuilder:validation:XValidation:rule="self.publicSubnetIDs.all(a, self.privateSubnetIDs.all(b, a != b))",message="a subnet cannot be both public and private",fieldPath=".privateSubnetIDs"
type ExistingNetwork struct {
	// VPCID is the ID of the VPC, e.g. vpc-0a1b2c3d.
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^vpc-[0-9a-f]+$`
	VPCID string `json:"vpcID"`
	// PublicSubnetIDs are the subnets the load balancer is placed in: at least two, in
	// different zones, as an Application Load Balancer requires.
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:MaxLength=32
	// +kubebuilder:validation:items:Pattern=`^subnet-[0-9a-f]+$`
	// +kubebuilder:validation:XValidation:rule="size(self) >= 2",message="needs at least two public subnet IDs, in different zones: an Application Load Balancer requires two"
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.exists_one(b, b == a))",message="must not list a subnet twice"
	PublicSubnetIDs []string `json:"publicSubnetIDs"`
	// PrivateSubnetIDs are the subnets the tasks run in; they need a route to the internet.
	// At least one.
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:MaxLength=32
	// +kubebuilder:validation:items:Pattern=`^subnet-[0-9a-f]+$`
	// +kubebuilder:validation:XValidation:rule="size(self) >= 1",message="needs at least one private subnet ID for the tasks"
	// +kubebuilder:validation:XValidation:rule="self.all(a, self.exists_one(b, b == a))",message="must not list a subnet twice"
	PrivateSubnetIDs []string `json:"privateSubnetIDs"`
}

// NetworkStatus holds the IDs of the network resources, written as soon as each exists.
type NetworkStatus struct {
	// AvailabilityZones are the zones the subnets are placed in, fixed at the first
	// reconcile (from the spec, or the region's first zones) so that they never move.
	// +optional
	AvailabilityZones []string `json:"availabilityZones,omitempty"`
	// CreateAttempt is part of the ClientToken of NAT gateway and route table creates. It
	// is bumped when the stage deliberately re-creates one (after drift or suspend), since
	// AWS answers a spent token with the original, deleted, resource.
	// +optional
	CreateAttempt int32 `json:"createAttempt,omitempty"`
	// VPCID is the VPC's ID.
	// +optional
	VPCID string `json:"vpcID,omitempty"`
	// InternetGatewayID is the attached internet gateway's ID.
	// +optional
	InternetGatewayID string `json:"internetGatewayID,omitempty"`
	// PublicSubnets are the public subnets, one per availability zone.
	// +optional
	PublicSubnets []SubnetStatus `json:"publicSubnets,omitempty"`
	// PrivateSubnets are the private subnets, one per availability zone.
	// +optional
	PrivateSubnets []SubnetStatus `json:"privateSubnets,omitempty"`
	// NATGateways are the NAT gateways with their Elastic IP allocations.
	// +optional
	NATGateways []NATGatewayStatus `json:"natGateways,omitempty"`
	// PublicRouteTableID is the route table with the default route to the internet gateway.
	// +optional
	PublicRouteTableID string `json:"publicRouteTableID,omitempty"`
	// PrivateRouteTables are the route tables with the default route to a NAT gateway.
	// +optional
	PrivateRouteTables []RouteTableStatus `json:"privateRouteTables,omitempty"`
}

// SubnetStatus is one subnet the app uses.
type SubnetStatus struct {
	// ID is the subnet ID.
	ID string `json:"id"`
	// AvailabilityZone is the zone the subnet is in.
	// +optional
	AvailabilityZone string `json:"availabilityZone,omitempty"`
	// CIDR is the subnet's IPv4 block.
	// +optional
	CIDR string `json:"cidr,omitempty"`
}

// NATGatewayStatus is one NAT gateway and the Elastic IP it uses.
type NATGatewayStatus struct {
	// ID is the NAT gateway ID; empty while only the Elastic IP exists.
	// +optional
	ID string `json:"id,omitempty"`
	// AvailabilityZone is the zone of the public subnet the gateway is in.
	// +optional
	AvailabilityZone string `json:"availabilityZone,omitempty"`
	// AllocationID is the Elastic IP allocation the gateway uses.
	// +optional
	AllocationID string `json:"allocationID,omitempty"`
	// State is the gateway's last seen state (pending, available, deleting, ...).
	// +optional
	State string `json:"state,omitempty"`
}

// RouteTableStatus is one private route table.
type RouteTableStatus struct {
	// ID is the route table ID.
	ID string `json:"id"`
	// AvailabilityZone is the zone whose private subnet uses it; empty for a shared table.
	// +optional
	AvailabilityZone string `json:"availabilityZone,omitempty"`
}
