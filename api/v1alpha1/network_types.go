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
type NetworkSpec struct {
	// VPCCIDR is the IPv4 CIDR block of the VPC. Immutable.
	// +optional
	// +kubebuilder:default="10.0.0.0/16"
	// +kubebuilder:validation:MaxLength=18
	VPCCIDR string `json:"vpcCIDR,omitempty"`

	// AvailabilityZones are the zones the subnets are spread over, one public and one
	// private subnet in each. Defaults to the region's first two. Immutable once set.
	// +optional
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:MaxLength=32
	AvailabilityZones []string `json:"availabilityZones,omitempty"`

	// PublicSubnetCIDRs are the public subnets' CIDRs, one per availability zone in order.
	// +optional
	// +kubebuilder:default={"10.0.1.0/24","10.0.2.0/24"}
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:MaxLength=18
	PublicSubnetCIDRs []string `json:"publicSubnetCIDRs,omitempty"`

	// PrivateSubnetCIDRs are the private subnets' CIDRs, one per availability zone in order.
	// +optional
	// +kubebuilder:default={"10.0.3.0/24","10.0.4.0/24"}
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:MaxLength=18
	PrivateSubnetCIDRs []string `json:"privateSubnetCIDRs,omitempty"`

	// NATGateways is Single (one, in the first public subnet), PerAZ (one per zone) or
	// None (no NAT: tasks get public IPs in the public subnets).
	// +optional
	// +kubebuilder:default=Single
	NATGateways NATGatewayMode `json:"natGateways,omitempty"`

	// Existing names a network the operator uses as is: nothing of it is created,
	// changed or deleted.
	// +optional
	Existing *ExistingNetwork `json:"existing,omitempty"`
}

// ExistingNetwork is a VPC and subnets created outside the operator.
type ExistingNetwork struct {
	// VPCID is the ID of the VPC, e.g. vpc-0a1b2c3d.
	// +kubebuilder:validation:MaxLength=32
	VPCID string `json:"vpcID"`
	// PublicSubnetIDs are the subnets the load balancer is placed in.
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:MaxLength=32
	PublicSubnetIDs []string `json:"publicSubnetIDs"`
	// PrivateSubnetIDs are the subnets the tasks run in; they need a route to the internet.
	// +kubebuilder:validation:MaxItems=6
	// +kubebuilder:validation:items:MaxLength=32
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
