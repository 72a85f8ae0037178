package awssim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// ecsService is a REPLICA service. Deployments[0] is the PRIMARY one.
type ecsService struct {
	Name             string                     `json:"name"`
	ARN              string                     `json:"arn"`
	ClusterName      string                     `json:"clusterName"`
	Status           string                     `json:"status"` // ACTIVE, DRAINING, INACTIVE
	DesiredCount     int32                      `json:"desiredCount"`
	TaskDefinition   string                     `json:"taskDefinition"`
	LaunchType       string                     `json:"launchType"`
	Network          *ecsNetworkConfiguration   `json:"network,omitempty"`
	LoadBalancers    []ecsLoadBalancer          `json:"loadBalancers,omitempty"`
	DeploymentConfig ecsDeploymentConfiguration `json:"deploymentConfig"`
	HealthCheckGrace *int32                     `json:"healthCheckGrace,omitempty"`
	Deployments      []*ecsDeployment           `json:"deployments"`
	Events           []ecsEvent                 `json:"events"` // newest first
	CreatedAt        time.Time                  `json:"createdAt"`
	Tags             map[string]string          `json:"tags,omitempty"`
	Fingerprint      string                     `json:"fingerprint"`
	LastReconciled   time.Time                  `json:"lastReconciled"`
	LastCompleted    *ecsDeployment             `json:"lastCompleted,omitempty"` // for circuit breaker rollbacks
	NextSubnet       int                        `json:"nextSubnet"`
	Targets          map[string]string          `json:"targets,omitempty"` // target group ARN -> registered IPs
	GoneAt           time.Time                  `json:"goneAt,omitempty"`  // an INACTIVE service is forgotten then
	DrainUntil       time.Time                  `json:"drainUntil,omitempty"`
}

type ecsDeployment struct {
	ID             string                   `json:"id"`
	Status         string                   `json:"status"` // PRIMARY or ACTIVE
	TaskDefinition string                   `json:"taskDefinition"`
	DesiredCount   int32                    `json:"desiredCount"`
	LaunchType     string                   `json:"launchType"`
	Network        *ecsNetworkConfiguration `json:"network,omitempty"`
	CreatedAt      time.Time                `json:"createdAt"`
	UpdatedAt      time.Time                `json:"updatedAt"`
	SteadyAt       time.Time                `json:"steadyAt"` // COMPLETED no earlier than this
	Rollout        string                   `json:"rollout"`
	RolloutReason  string                   `json:"rolloutReason,omitempty"`
	FailedTasks    int32                    `json:"failedTasks"`
	NextLaunchAt   time.Time                `json:"nextLaunchAt,omitempty"` // launches after failures are throttled
	Unplaceable    bool                     `json:"unplaceable,omitempty"`
}

type ecsEvent struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	Message   string    `json:"message"`
}

type ecsNetworkConfiguration struct {
	AwsvpcConfiguration *ecsAwsVpcConfiguration `json:"awsvpcConfiguration,omitempty"`
}

type ecsAwsVpcConfiguration struct {
	Subnets        []string `json:"subnets"`
	SecurityGroups []string `json:"securityGroups,omitempty"`
	AssignPublicIP string   `json:"assignPublicIp,omitempty"`
}

type ecsLoadBalancer struct {
	TargetGroupArn   string `json:"targetGroupArn,omitempty"`
	LoadBalancerName string `json:"loadBalancerName,omitempty"`
	ContainerName    string `json:"containerName,omitempty"`
	ContainerPort    *int32 `json:"containerPort,omitempty"`
}

type ecsDeploymentConfiguration struct {
	DeploymentCircuitBreaker *ecsCircuitBreaker `json:"deploymentCircuitBreaker,omitempty"`
	MaximumPercent           *int32             `json:"maximumPercent,omitempty"`
	MinimumHealthyPercent    *int32             `json:"minimumHealthyPercent,omitempty"`
}

type ecsCircuitBreaker struct {
	Enable   bool `json:"enable"`
	Rollback bool `json:"rollback"`
}

func (svc *ecsService) event(t time.Time, format string, args ...any) {
	msg := "(service " + svc.Name + ") " + fmt.Sprintf(format, args...)
	svc.Events = slices.Insert(svc.Events, 0, ecsEvent{ID: ecsUUID(), CreatedAt: t, Message: msg})
	if len(svc.Events) > 100 {
		svc.Events = svc.Events[:100]
	}
}

func (svc *ecsService) circuitBreaker() ecsCircuitBreaker {
	if cb := svc.DeploymentConfig.DeploymentCircuitBreaker; cb != nil {
		return *cb
	}
	return ecsCircuitBreaker{}
}

// newDeployment makes a new PRIMARY deployment of the service's current settings; the
// previous PRIMARY becomes ACTIVE and drains once the new one runs its tasks.
func (svc *ecsService) newDeployment(sim *Sim, t time.Time) *ecsDeployment {
	for _, d := range svc.Deployments {
		d.Status = "ACTIVE"
	}
	d := &ecsDeployment{ID: ecsDeploymentID(), Status: "PRIMARY", TaskDefinition: svc.TaskDefinition,
		DesiredCount: svc.DesiredCount, LaunchType: svc.LaunchType, Network: svc.Network,
		CreatedAt: t, UpdatedAt: t, SteadyAt: t.Add(sim.Delay(LatencyECSSteadyState)),
		Rollout: "IN_PROGRESS"}
	d.RolloutReason = "ECS deployment " + d.ID + " in progress."
	svc.Deployments = slices.Insert(svc.Deployments, 0, d)
	return d
}

// Wire shapes.

type ecsDeploymentOut struct {
	ID                   string                   `json:"id"`
	Status               string                   `json:"status"`
	TaskDefinition       string                   `json:"taskDefinition"`
	DesiredCount         int32                    `json:"desiredCount"`
	PendingCount         int32                    `json:"pendingCount"`
	RunningCount         int32                    `json:"runningCount"`
	FailedTasks          int32                    `json:"failedTasks"`
	CreatedAt            EpochSeconds             `json:"createdAt"`
	UpdatedAt            EpochSeconds             `json:"updatedAt"`
	LaunchType           string                   `json:"launchType,omitempty"`
	PlatformVersion      string                   `json:"platformVersion,omitempty"`
	PlatformFamily       string                   `json:"platformFamily,omitempty"`
	NetworkConfiguration *ecsNetworkConfiguration `json:"networkConfiguration,omitempty"`
	RolloutState         string                   `json:"rolloutState"`
	RolloutStateReason   string                   `json:"rolloutStateReason,omitempty"`
}

type ecsEventOut struct {
	ID        string       `json:"id"`
	CreatedAt EpochSeconds `json:"createdAt"`
	Message   string       `json:"message"`
}

type ecsServiceOut struct {
	ServiceArn                    string                     `json:"serviceArn"`
	ServiceName                   string                     `json:"serviceName"`
	ClusterArn                    string                     `json:"clusterArn"`
	LoadBalancers                 []ecsLoadBalancer          `json:"loadBalancers"`
	ServiceRegistries             []any                      `json:"serviceRegistries"`
	Status                        string                     `json:"status"`
	DesiredCount                  int32                      `json:"desiredCount"`
	RunningCount                  int32                      `json:"runningCount"`
	PendingCount                  int32                      `json:"pendingCount"`
	LaunchType                    string                     `json:"launchType"`
	PlatformVersion               string                     `json:"platformVersion,omitempty"`
	PlatformFamily                string                     `json:"platformFamily,omitempty"`
	TaskDefinition                string                     `json:"taskDefinition"`
	DeploymentConfiguration       ecsDeploymentConfiguration `json:"deploymentConfiguration"`
	Deployments                   []ecsDeploymentOut         `json:"deployments"`
	RoleArn                       string                     `json:"roleArn"`
	Events                        []ecsEventOut              `json:"events"`
	CreatedAt                     EpochSeconds               `json:"createdAt"`
	PlacementConstraints          []any                      `json:"placementConstraints"`
	PlacementStrategy             []any                      `json:"placementStrategy"`
	NetworkConfiguration          *ecsNetworkConfiguration   `json:"networkConfiguration,omitempty"`
	HealthCheckGracePeriodSeconds *int32                     `json:"healthCheckGracePeriodSeconds,omitempty"`
	SchedulingStrategy            string                     `json:"schedulingStrategy"`
	DeploymentController          map[string]string          `json:"deploymentController"`
	Tags                          []ecsTag                   `json:"tags,omitempty"`
	CreatedBy                     string                     `json:"createdBy"`
	EnableECSManagedTags          bool                       `json:"enableECSManagedTags"`
	PropagateTags                 string                     `json:"propagateTags"`
	EnableExecuteCommand          bool                       `json:"enableExecuteCommand"`
}

func (r *ecsRegion) serviceOut(svc *ecsService, clusterARN string, tags bool) ecsServiceOut {
	out := ecsServiceOut{
		ServiceArn: svc.ARN, ServiceName: svc.Name, ClusterArn: clusterARN,
		LoadBalancers: slices.Clone(svc.LoadBalancers), ServiceRegistries: []any{}, Status: svc.Status,
		DesiredCount: svc.DesiredCount, LaunchType: svc.LaunchType, TaskDefinition: svc.TaskDefinition,
		DeploymentConfiguration: svc.DeploymentConfig, Deployments: []ecsDeploymentOut{},
		RoleArn:   "arn:aws:iam::" + Account + ":role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
		Events:    []ecsEventOut{},
		CreatedAt: EpochSeconds(svc.CreatedAt), PlacementConstraints: []any{}, PlacementStrategy: []any{},
		NetworkConfiguration: svc.Network, HealthCheckGracePeriodSeconds: svc.HealthCheckGrace,
		SchedulingStrategy: "REPLICA", DeploymentController: map[string]string{"type": "ECS"},
		CreatedBy: "arn:aws:iam::" + Account + ":root", PropagateTags: "NONE",
	}
	if out.LoadBalancers == nil {
		out.LoadBalancers = []ecsLoadBalancer{}
	}
	if svc.LaunchType == "FARGATE" {
		out.PlatformVersion, out.PlatformFamily = "LATEST", "Linux"
	}
	for _, d := range svc.Deployments {
		pending, running := r.taskCounts(svc, d.ID)
		desired := d.DesiredCount
		if d.Status != "PRIMARY" {
			desired = pending + running
		}
		do := ecsDeploymentOut{ID: d.ID, Status: d.Status, TaskDefinition: d.TaskDefinition, DesiredCount: desired,
			PendingCount: pending, RunningCount: running, FailedTasks: d.FailedTasks,
			CreatedAt: EpochSeconds(d.CreatedAt), UpdatedAt: EpochSeconds(d.UpdatedAt), LaunchType: d.LaunchType,
			NetworkConfiguration: d.Network, RolloutState: d.Rollout, RolloutStateReason: d.RolloutReason}
		if d.LaunchType == "FARGATE" {
			do.PlatformVersion, do.PlatformFamily = "1.4.0", "Linux"
		}
		out.Deployments = append(out.Deployments, do)
		out.PendingCount += pending
		out.RunningCount += running
	}
	for _, e := range svc.Events {
		out.Events = append(out.Events, ecsEventOut{ID: e.ID, CreatedAt: EpochSeconds(e.CreatedAt), Message: e.Message})
	}
	if tags {
		out.Tags = ecsTagList(svc.Tags)
	}
	return out
}

// taskCounts counts a deployment's PENDING and RUNNING tasks ("" counts the whole service).
func (r *ecsRegion) taskCounts(svc *ecsService, deploymentID string) (pending, running int32) {
	for _, t := range r.Tasks {
		if t.ServiceARN != svc.ARN || (deploymentID != "" && t.DeploymentID != deploymentID) {
			continue
		}
		switch t.State {
		case "PENDING":
			pending++
		case "RUNNING":
			running++
		}
	}
	return pending, running
}

// service resolves a service name or ARN within a cluster (INACTIVE ones included).
func (cl *ecsCluster) service(ref string) (*ecsService, bool) {
	name := ref
	if strings.HasPrefix(ref, "arn:") {
		prefix := strings.Replace(cl.ARN, ":cluster/", ":service/", 1) + "/"
		if !strings.HasPrefix(ref, prefix) {
			return nil, false
		}
		name = strings.TrimPrefix(ref, prefix)
	}
	svc, ok := cl.Services[name]
	return svc, ok
}

func ecsServiceNotFound() *APIError { return Errorf("ServiceNotFoundException", "Service not found.") }

// validateNetwork checks an awsvpc configuration against EC2 state and fills in the VPC's
// default security group when none is given.
func (s *ecsState) validateNetwork(c *Call, nc *ecsNetworkConfiguration) error {
	if nc == nil || nc.AwsvpcConfiguration == nil {
		return ecsInvalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.")
	}
	cfg := nc.AwsvpcConfiguration
	if len(cfg.Subnets) == 0 {
		return ecsInvalid("subnets can not be empty.")
	}
	if len(cfg.Subnets) > 16 {
		return ecsInvalid("subnets can have at most 16 items.")
	}
	if len(cfg.SecurityGroups) > 5 {
		return ecsInvalid("securityGroups can have at most 5 items.")
	}
	switch cfg.AssignPublicIP {
	case "":
		cfg.AssignPublicIP = "DISABLED"
	case "ENABLED", "DISABLED":
	default:
		return ecsInvalid("assignPublicIp must be ENABLED or DISABLED.")
	}
	ec2r := s.ec2Region(c.Region)
	vpcID := ""
	for _, id := range cfg.Subnets {
		sn, ok := ec2r.Subnets[id]
		if !ok {
			return ecsInvalid("Error retrieving subnet information for [%s]: The subnet ID '%s' does not exist (ErrorCode: InvalidSubnetID.NotFound)", id, id)
		}
		if vpcID != "" && sn.VpcID != vpcID {
			return ecsInvalid("The subnets of a service must all be in the same VPC.")
		}
		vpcID = sn.VpcID
	}
	for _, id := range cfg.SecurityGroups {
		sg, ok := ec2r.SecurityGroups[id]
		if !ok {
			return ecsInvalid("Error retrieving security group information for [%s]: The security group '%s' does not exist (ErrorCode: InvalidGroup.NotFound)", id, id)
		}
		if sg.VpcID != vpcID {
			return ecsInvalid("Security group %s is not in the VPC of the subnets (%s).", id, vpcID)
		}
	}
	if len(cfg.SecurityGroups) == 0 {
		if v, ok := ec2r.Vpcs[vpcID]; ok && v.DefaultGroupID != "" {
			cfg.SecurityGroups = []string{v.DefaultGroupID}
		}
	}
	return nil
}

// validateLoadBalancers checks each binding against the task definition and ELBv2.
func (s *ecsState) validateLoadBalancers(c *Call, lbs []ecsLoadBalancer, td *ecsTaskDef) error {
	containers := td.containers()
	for _, lb := range lbs {
		if lb.TargetGroupArn == "" {
			return ecsInvalid("targetGroupArn is required for an Application or Network Load Balancer.")
		}
		if lb.ContainerName == "" || lb.ContainerPort == nil {
			return ecsInvalid("containerName and containerPort must be specified for a load balancer.")
		}
		i := slices.IndexFunc(containers, func(cd ecsContainerDef) bool { return cd.Name == lb.ContainerName })
		if i < 0 {
			return ecsInvalid("The container %s does not exist in the task definition.", lb.ContainerName)
		}
		if !slices.ContainsFunc(containers[i].PortMappings, func(pm ecsPortMapping) bool {
			return pm.ContainerPort != nil && *pm.ContainerPort == *lb.ContainerPort
		}) {
			return ecsInvalid("The container %s did not have a container port %d defined.", lb.ContainerName, *lb.ContainerPort)
		}
		if reg := s.targetRegistry(); reg != nil {
			if _, _, ok := reg.TargetGroup(c.Region, lb.TargetGroupArn); !ok {
				return ecsInvalid("Unable to find target group %s.", lb.TargetGroupArn)
			}
			typ, fronted := s.targetGroupUse(c.Region, lb.TargetGroupArn)
			if td.NetworkMode == "awsvpc" && typ != "" && typ != "ip" {
				return ecsInvalid("The provided target group %s has target type %s, which is incompatible with the awsvpc network mode specified in the task definition.",
					lb.TargetGroupArn, typ)
			}
			if !fronted {
				return ecsInvalid("The target group with targetGroupArn %s does not have an associated load balancer.", lb.TargetGroupArn)
			}
		}
	}
	return nil
}

func (s *ecsState) createService(c *Call) (any, error) {
	var in struct {
		Cluster                       string                      `json:"cluster"`
		ServiceName                   string                      `json:"serviceName"`
		TaskDefinition                string                      `json:"taskDefinition"`
		DesiredCount                  *int32                      `json:"desiredCount"`
		ClientToken                   string                      `json:"clientToken"`
		LaunchType                    string                      `json:"launchType"`
		NetworkConfiguration          *ecsNetworkConfiguration    `json:"networkConfiguration"`
		LoadBalancers                 []ecsLoadBalancer           `json:"loadBalancers"`
		DeploymentConfiguration       *ecsDeploymentConfiguration `json:"deploymentConfiguration"`
		HealthCheckGracePeriodSeconds *int32                      `json:"healthCheckGracePeriodSeconds"`
		SchedulingStrategy            string                      `json:"schedulingStrategy"`
		Tags                          []ecsTag                    `json:"tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := checkECSName("Service", in.ServiceName); err != nil {
		return nil, err
	}
	if len(in.ClientToken) > 36 {
		return nil, ecsInvalid("clientToken can be at most 36 characters.")
	}
	r := s.region(c)
	cl, err := r.cluster(c, in.Cluster)
	if err != nil {
		return nil, err
	}
	fp := ecsFingerprint(c.Body, "clientToken")
	if arn, err := r.Tokens.Lookup("CreateService", in.ClientToken, fp); err != nil {
		return nil, ecsInvalid("Creation of service was not idempotent.")
	} else if arn != "" {
		if svc, ok := cl.service(arn); ok {
			return map[string]any{"service": r.serviceOut(svc, cl.ARN, false)}, nil
		}
	}
	if old, ok := cl.Services[in.ServiceName]; ok {
		switch old.Status {
		case "ACTIVE":
			if old.Fingerprint == fp {
				return map[string]any{"service": r.serviceOut(old, cl.ARN, false)}, nil
			}
			return nil, ecsInvalid("Creation of service was not idempotent.")
		case "DRAINING":
			return nil, ecsInvalid("Unable to Start a service that is still Draining.")
		}
	}
	if in.SchedulingStrategy != "" && in.SchedulingStrategy != "REPLICA" {
		return nil, ecsInvalid("Only the REPLICA scheduling strategy is supported for Fargate services.")
	}
	if in.DesiredCount == nil {
		return nil, ecsInvalid("desiredCount is required for a service with the REPLICA scheduling strategy.")
	}
	if *in.DesiredCount < 0 {
		return nil, ecsInvalid("desiredCount can not be less than 0.")
	}
	td, ok := r.taskDef(c, in.TaskDefinition)
	if !ok {
		return nil, ecsInvalid("TaskDefinition not found.")
	}
	if td.Status != "ACTIVE" {
		return nil, ecsInvalid("TaskDefinition is inactive")
	}
	launch := in.LaunchType
	switch launch {
	case "":
		launch = "EC2"
	case "EC2", "FARGATE", "EXTERNAL":
	default:
		return nil, ecsInvalid("Invalid launch type %s.", launch)
	}
	if launch == "FARGATE" && td.NetworkMode != "awsvpc" {
		return nil, ecsInvalid("Task definition does not support launch_type FARGATE.")
	}
	if td.NetworkMode == "awsvpc" {
		if err := s.validateNetwork(c, in.NetworkConfiguration); err != nil {
			return nil, err
		}
	} else if in.NetworkConfiguration != nil {
		return nil, ecsInvalid("Network Configuration is not valid for the given networkMode of this task definition.")
	}
	if len(in.LoadBalancers) > 5 {
		return nil, ecsInvalid("loadBalancers can have at most 5 items.")
	}
	if err := s.validateLoadBalancers(c, in.LoadBalancers, td); err != nil {
		return nil, err
	}
	if in.HealthCheckGracePeriodSeconds != nil && len(in.LoadBalancers) == 0 {
		return nil, ecsInvalid("Health check grace period is only valid for services configured to use load balancers")
	}
	dc, err := deploymentConfig(ecsDeploymentConfiguration{}, in.DeploymentConfiguration)
	if err != nil {
		return nil, err
	}
	tags, err := ecsTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	svc := &ecsService{
		Name: in.ServiceName, ARN: strings.Replace(cl.ARN, ":cluster/", ":service/", 1) + "/" + in.ServiceName,
		ClusterName: cl.Name, Status: "ACTIVE", DesiredCount: *in.DesiredCount, TaskDefinition: td.ARN,
		LaunchType: launch, Network: in.NetworkConfiguration, LoadBalancers: in.LoadBalancers,
		DeploymentConfig: dc, HealthCheckGrace: in.HealthCheckGracePeriodSeconds, CreatedAt: c.Now,
		Fingerprint: fp, LastReconciled: c.Now,
	}
	if len(tags) > 0 {
		svc.Tags = tags
	}
	svc.newDeployment(s.sim, c.Now)
	cl.Services[svc.Name] = svc
	r.Tokens.Remember("CreateService", in.ClientToken, fp, svc.ARN)
	s.reconcile(c.Region, r, svc, c.Now)
	return map[string]any{"service": r.serviceOut(svc, cl.ARN, false)}, nil
}

// deploymentConfig applies an update to a deployment configuration, with AWS's defaults.
func deploymentConfig(cur ecsDeploymentConfiguration, in *ecsDeploymentConfiguration) (ecsDeploymentConfiguration, error) {
	out := cur
	if in != nil {
		if in.MaximumPercent != nil {
			out.MaximumPercent = in.MaximumPercent
		}
		if in.MinimumHealthyPercent != nil {
			out.MinimumHealthyPercent = in.MinimumHealthyPercent
		}
		if in.DeploymentCircuitBreaker != nil {
			cb := *in.DeploymentCircuitBreaker
			out.DeploymentCircuitBreaker = &cb
		}
	}
	if out.MaximumPercent == nil {
		out.MaximumPercent = ptr(int32(200))
	}
	if out.MinimumHealthyPercent == nil {
		out.MinimumHealthyPercent = ptr(int32(100))
	}
	if out.DeploymentCircuitBreaker == nil {
		out.DeploymentCircuitBreaker = &ecsCircuitBreaker{}
	}
	if *out.MinimumHealthyPercent < 0 || *out.MinimumHealthyPercent > 100 {
		return out, ecsInvalid("minimumHealthyPercent must be between 0 and 100.")
	}
	if *out.MaximumPercent < 100 && *out.MaximumPercent <= *out.MinimumHealthyPercent {
		return out, ecsInvalid("maximumPercent must be greater than minimumHealthyPercent.")
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

func (s *ecsState) describeServices(c *Call) (any, error) {
	var in struct {
		Cluster  string   `json:"cluster"`
		Services []string `json:"services"`
		Include  []string `json:"include"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if len(in.Services) == 0 {
		return nil, ecsInvalid("Services cannot be empty.")
	}
	if len(in.Services) > 10 {
		return nil, ecsInvalid("services can have at most 10 items.")
	}
	r := s.region(c)
	name, err := clusterName(c, in.Cluster)
	if err != nil {
		return nil, err
	}
	cl, ok := r.Clusters[name]
	if !ok {
		return nil, ecsClusterNotFound()
	}
	services, failures := []ecsServiceOut{}, []ecsFailure{}
	for _, ref := range in.Services {
		svc, ok := cl.service(ref)
		if !ok {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = strings.Replace(cl.ARN, ":cluster/", ":service/", 1) + "/" + ref
			}
			failures = append(failures, ecsFailure{Arn: arn, Reason: "MISSING"})
			continue
		}
		services = append(services, r.serviceOut(svc, cl.ARN, slices.Contains(in.Include, "TAGS")))
	}
	return map[string]any{"services": services, "failures": failures}, nil
}

// activeService finds a service UpdateService and DeleteService may act on.
func (r *ecsRegion) activeService(c *Call, cluster, ref string) (*ecsCluster, *ecsService, error) {
	cl, err := r.cluster(c, cluster)
	if err != nil {
		return nil, nil, err
	}
	svc, ok := cl.service(ref)
	if !ok {
		return nil, nil, ecsServiceNotFound()
	}
	return cl, svc, nil
}

func (s *ecsState) updateService(c *Call) (any, error) {
	var in struct {
		Cluster                       string                      `json:"cluster"`
		Service                       string                      `json:"service"`
		DesiredCount                  *int32                      `json:"desiredCount"`
		TaskDefinition                string                      `json:"taskDefinition"`
		DeploymentConfiguration       *ecsDeploymentConfiguration `json:"deploymentConfiguration"`
		NetworkConfiguration          *ecsNetworkConfiguration    `json:"networkConfiguration"`
		ForceNewDeployment            bool                        `json:"forceNewDeployment"`
		HealthCheckGracePeriodSeconds *int32                      `json:"healthCheckGracePeriodSeconds"`
		LoadBalancers                 []ecsLoadBalancer           `json:"loadBalancers"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	r := s.region(c)
	cl, svc, err := r.activeService(c, in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	if svc.Status != "ACTIVE" {
		return nil, Errorf("ServiceNotActiveException", "Service was not ACTIVE.")
	}
	if in.DesiredCount != nil && *in.DesiredCount < 0 {
		return nil, ecsInvalid("desiredCount can not be less than 0.")
	}
	td, ok := r.taskDef(c, svc.TaskDefinition)
	if in.TaskDefinition != "" {
		if td, ok = r.taskDef(c, in.TaskDefinition); !ok {
			return nil, ecsInvalid("TaskDefinition not found.")
		}
		if td.Status != "ACTIVE" && td.ARN != svc.TaskDefinition {
			return nil, ecsInvalid("TaskDefinition is inactive")
		}
	}
	network := svc.Network
	if in.NetworkConfiguration != nil {
		if err := s.validateNetwork(c, in.NetworkConfiguration); err != nil {
			return nil, err
		}
		network = in.NetworkConfiguration
	}
	lbs := svc.LoadBalancers
	if in.LoadBalancers != nil {
		lbs = in.LoadBalancers
	}
	if ok {
		if err := s.validateLoadBalancers(c, lbs, td); err != nil {
			return nil, err
		}
	}
	if in.HealthCheckGracePeriodSeconds != nil && len(lbs) == 0 {
		return nil, ecsInvalid("Health check grace period is only valid for services configured to use load balancers")
	}
	dc, err := deploymentConfig(svc.DeploymentConfig, in.DeploymentConfiguration)
	if err != nil {
		return nil, err
	}
	redeploy := in.ForceNewDeployment || (td != nil && td.ARN != svc.TaskDefinition) ||
		!sameNetwork(network, svc.Network) || !slices.Equal(lbs, svc.LoadBalancers)
	svc.DeploymentConfig = dc
	if in.HealthCheckGracePeriodSeconds != nil {
		svc.HealthCheckGrace = in.HealthCheckGracePeriodSeconds
	}
	if in.DesiredCount != nil {
		svc.DesiredCount = *in.DesiredCount
		svc.Deployments[0].DesiredCount = *in.DesiredCount
		svc.Deployments[0].UpdatedAt = c.Now
	}
	if td != nil {
		svc.TaskDefinition = td.ARN
	}
	svc.Network, svc.LoadBalancers = network, lbs
	if redeploy {
		svc.newDeployment(s.sim, c.Now)
	}
	s.reconcile(c.Region, r, svc, c.Now)
	return map[string]any{"service": r.serviceOut(svc, cl.ARN, false)}, nil
}

func sameNetwork(a, b *ecsNetworkConfiguration) bool {
	if a == nil || b == nil || a.AwsvpcConfiguration == nil || b.AwsvpcConfiguration == nil {
		return a == b
	}
	x, y := a.AwsvpcConfiguration, b.AwsvpcConfiguration
	return slices.Equal(x.Subnets, y.Subnets) && slices.Equal(x.SecurityGroups, y.SecurityGroups) && x.AssignPublicIP == y.AssignPublicIP
}

// deleteService starts draining: every task is stopped, and the service turns INACTIVE
// once the last one has stopped (and released its network interface).
func (s *ecsState) deleteService(c *Call) (any, error) {
	var in struct {
		Cluster string `json:"cluster"`
		Service string `json:"service"`
		Force   bool   `json:"force"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	r := s.region(c)
	cl, svc, err := r.activeService(c, in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	switch svc.Status {
	case "INACTIVE":
		return nil, Errorf("ServiceNotActiveException", "Service was not ACTIVE.")
	case "ACTIVE":
		if svc.DesiredCount > 0 && !in.Force {
			return nil, ecsInvalid("The service cannot be stopped while it is scaled above 0.")
		}
		svc.Status = "DRAINING"
		svc.DrainUntil = c.Now.Add(c.Delay(LatencyECSTaskStop)) // DRAINING for a while even without tasks
		svc.DesiredCount = 0
		for _, d := range svc.Deployments {
			d.DesiredCount, d.UpdatedAt = 0, c.Now
		}
		s.reconcile(c.Region, r, svc, c.Now)
	}
	return map[string]any{"service": r.serviceOut(svc, cl.ARN, false)}, nil
}

func (s *ecsState) listServices(c *Call) (any, error) {
	var in struct {
		Cluster    string `json:"cluster"`
		LaunchType string `json:"launchType"`
		NextToken  string `json:"nextToken"`
		MaxResults *int   `json:"maxResults"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	r := s.region(c)
	cl, err := r.cluster(c, in.Cluster)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, name := range slices.Sorted(maps.Keys(cl.Services)) {
		svc := cl.Services[name]
		if svc.Status != "INACTIVE" && (in.LaunchType == "" || in.LaunchType == svc.LaunchType) {
			arns = append(arns, svc.ARN)
		}
	}
	page, next, err := s.ecsPaginate(arns, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return ecsPage("serviceArns", page, next), nil
}
