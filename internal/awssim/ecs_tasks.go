package awssim

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// ecsTask is one Fargate task of a service. It holds an EC2 network interface from launch
// until it has STOPPED.
type ecsTask struct {
	ID              string            `json:"id"`
	ARN             string            `json:"arn"`
	ClusterName     string            `json:"clusterName"`
	ServiceARN      string            `json:"serviceArn"`
	ServiceName     string            `json:"serviceName"`
	DeploymentID    string            `json:"deploymentId"`
	TaskDefARN      string            `json:"taskDefArn"`
	LaunchType      string            `json:"launchType"`
	CPU             string            `json:"cpu,omitempty"`
	Memory          string            `json:"memory,omitempty"`
	ENIID           string            `json:"eniId,omitempty"`
	AttachmentID    string            `json:"attachmentId"`
	SubnetID        string            `json:"subnetId"`
	AZ              string            `json:"az"`
	PrivateIP       string            `json:"privateIp"`
	State           string            `json:"state"` // PENDING, RUNNING, STOPPING, STOPPED
	CreatedAt       time.Time         `json:"createdAt"`
	ReadyAt         time.Time         `json:"readyAt"` // RUNNING, or failed to start, then
	StartedAt       time.Time         `json:"startedAt,omitempty"`
	StoppingAt      time.Time         `json:"stoppingAt,omitempty"`
	StopAt          time.Time         `json:"stopAt,omitempty"`
	StoppedAt       time.Time         `json:"stoppedAt,omitempty"`
	StopCode        string            `json:"stopCode,omitempty"`
	StoppedReason   string            `json:"stoppedReason,omitempty"`
	ContainerReason string            `json:"containerReason,omitempty"`
	Tags            map[string]string `json:"tags,omitempty"`
	GoneAt          time.Time         `json:"goneAt,omitempty"` // a STOPPED task is forgotten then
}

// ecsTargetRegistry is what ECS needs from ELBv2 (elbv2.go): target group lookup, the
// registration of a service's tasks and their health. Reached through the interface so that
// ECS works (without load balancer checks) in a simulator that has no ELBv2.
type ecsTargetRegistry interface {
	TargetGroup(region, arn string) (port int32, vpcID string, ok bool)
	SetTargets(region, arn, owner string, targets []taskTarget, now time.Time)
	TargetHealth(region, arn, owner, ip string, t time.Time) (state string, next time.Time)
}

func (s *ecsState) targetRegistry() ecsTargetRegistry {
	svc := s.sim.Service("elasticloadbalancing")
	if svc == nil {
		return nil
	}
	reg, _ := svc.State.(ecsTargetRegistry)
	return reg
}

// ec2Region is the EC2 state of a region, where task network interfaces live.
func (s *ecsState) ec2Region(region string) *ec2Region {
	st := s.sim.Service("ec2").State.(*ec2State)
	r, ok := st.Regions[region]
	if !ok {
		r = &ec2Region{Name: region}
		st.Regions[region] = r
	}
	r.init()
	return r
}

// advance steps every service of a region through the transitions due by now, each at the
// time it was due, then forgets what has outlived its retention period.
func (s *ecsState) advance(region string, r *ecsRegion, now time.Time) {
	for _, cn := range slices.Sorted(maps.Keys(r.Clusters)) {
		cl := r.Clusters[cn]
		for _, sn := range slices.Sorted(maps.Keys(cl.Services)) {
			svc := cl.Services[sn]
			for range 10000 { // bounded: failing launches back off, so events thin out
				t, ok := s.nextEvent(region, r, svc, now)
				if !ok {
					break
				}
				s.applyTasks(region, r, svc, t)
				s.reconcile(region, r, svc, t)
			}
			if svc.Status == "INACTIVE" && !svc.GoneAt.IsZero() && !now.Before(svc.GoneAt) {
				delete(cl.Services, sn)
			}
		}
		if cl.Status == "INACTIVE" && !now.Before(cl.GoneAt) {
			delete(r.Clusters, cn)
		}
	}
	for id, t := range r.Tasks {
		if t.State == "STOPPED" && !now.Before(t.GoneAt) {
			delete(r.Tasks, id)
		}
	}
	s.deletedTaskDefinitions(r)
}

// nextEvent is the earliest transition of a service due by now.
func (s *ecsState) nextEvent(region string, r *ecsRegion, svc *ecsService, now time.Time) (time.Time, bool) {
	var next time.Time
	found := false
	consider := func(t time.Time) {
		if !t.After(now) && (!found || t.Before(next)) {
			next, found = t, true
		}
	}
	for _, t := range r.Tasks {
		if t.ServiceARN != svc.ARN {
			continue
		}
		switch t.State {
		case "PENDING":
			consider(t.ReadyAt)
		case "STOPPING":
			consider(t.StopAt)
		case "RUNNING":
			for _, at := range s.healthEvents(region, svc, t) {
				if at.After(svc.LastReconciled) {
					consider(at)
				}
			}
		}
	}
	if svc.Status == "DRAINING" && svc.DrainUntil.After(svc.LastReconciled) {
		consider(svc.DrainUntil)
	}
	for _, d := range svc.Deployments {
		if d.Rollout == "IN_PROGRESS" && d.SteadyAt.After(svc.LastReconciled) {
			consider(d.SteadyAt)
		}
		if d.NextLaunchAt.After(svc.LastReconciled) {
			consider(d.NextLaunchAt)
		}
	}
	return next, found
}

func (r *ecsRegion) serviceTasks(svc *ecsService) []*ecsTask {
	var out []*ecsTask
	for _, t := range r.Tasks {
		if t.ServiceARN == svc.ARN {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *ecsTask) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out
}

func (svc *ecsService) deployment(id string) *ecsDeployment {
	for _, d := range svc.Deployments {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// applyTasks moves the service's tasks whose transition is due at t.
func (s *ecsState) applyTasks(region string, r *ecsRegion, svc *ecsService, t time.Time) {
	for _, task := range r.serviceTasks(svc) {
		switch {
		case task.State == "PENDING" && !task.ReadyAt.After(t):
			if reason := s.pullError(r, task); reason != "" {
				task.ContainerReason = reason
				s.stopped(region, task, t, "TaskFailedToStart", reason)
				s.taskFailed(svc, task, t)
				continue
			}
			task.State, task.StartedAt = "RUNNING", t
			s.openLogStreams(r, task, t)
		case task.State == "STOPPING" && !task.StopAt.After(t):
			s.stopped(region, task, t, task.StopCode, task.StoppedReason)
		}
	}
}

// openLogStreams creates the CloudWatch Logs stream of each awslogs container of a task
// that started, named <awslogs-stream-prefix>/<container>/<task ID> as on Fargate.
func (s *ecsState) openLogStreams(r *ecsRegion, task *ecsTask, t time.Time) {
	td, ok := r.TaskDefs[lastPartAfter(task.TaskDefARN, "task-definition/")]
	logsSvc := s.sim.Service("logs")
	if !ok || logsSvc == nil {
		return
	}
	for _, cd := range td.containers() {
		lc := cd.LogConfiguration
		if lc == nil || lc.LogDriver != "awslogs" {
			continue
		}
		name := task.ID
		if prefix := lc.Options["awslogs-stream-prefix"]; prefix != "" {
			name = prefix + "/" + cd.Name + "/" + task.ID
		}
		logsSvc.State.(*logsState).openStream(lc.Options["awslogs-region"], lc.Options["awslogs-group"], name, t)
	}
}

// stopped finishes a task: its interface (and with it the hold on the subnet and security
// groups) is released.
func (s *ecsState) stopped(region string, task *ecsTask, t time.Time, code, reason string) {
	task.State, task.StoppedAt, task.StopCode, task.StoppedReason = "STOPPED", t, code, reason
	task.GoneAt = t.Add(s.sim.Delay(LatencyECSRetained))
	if task.ENIID != "" {
		s.ec2Region(region).releaseENI(task.ENIID)
	}
}

// stopTask starts stopping a task. Its interface's release is scheduled in EC2 as well, so
// that the subnet frees up on time even if nobody reads ECS state in between.
func (s *ecsState) stopTask(region string, task *ecsTask, t time.Time, reason string) {
	task.State, task.StoppingAt, task.StopAt = "STOPPING", t, t.Add(s.sim.Delay(LatencyECSTaskStop))
	task.StopCode, task.StoppedReason = "ServiceSchedulerInitiated", reason
	if task.ENIID != "" {
		s.ec2Region(region).releaseENIAt(task.ENIID, task.StopAt)
	}
}

// targetGroupUse reads what ECS validates beyond ecsTargetRegistry from the ELBv2 state:
// the target group's target type ("" when unknown) and whether a load balancer's listener
// forwards to it (true when unknown).
func (s *ecsState) targetGroupUse(region, arn string) (targetType string, fronted bool) {
	st, ok := s.sim.Service("elasticloadbalancing").State.(*elbv2State)
	if !ok {
		return "", true
	}
	r, ok := st.Regions[region]
	if !ok {
		return "", true
	}
	tg, ok := r.TargetGroups[arn]
	if !ok {
		return "", true
	}
	return tg.TargetType, len(r.loadBalancersOf(arn)) > 0
}

// pullError is the CannotPullContainerError of a task whose image is in this simulator's ECR
// but not found there ("" when every image pulls; images outside ECR always pull).
func (s *ecsState) pullError(r *ecsRegion, task *ecsTask) string {
	td, ok := r.TaskDefs[lastPartAfter(task.TaskDefARN, "task-definition/")]
	if !ok {
		return ""
	}
	ecrSvc := s.sim.Service("ecr")
	if ecrSvc == nil {
		return ""
	}
	st := ecrSvc.State.(*ecrState)
	for _, cd := range td.containers() {
		if !isECRImage(cd.Image) {
			continue
		}
		host, path, _ := strings.Cut(cd.Image, "/")
		region := strings.TrimSuffix(strings.TrimPrefix(host, Account+".dkr.ecr."), ".amazonaws.com")
		repoName, tag, digest := path, "latest", ""
		if i := strings.Index(path, "@"); i >= 0 {
			repoName, digest, tag = path[:i], path[i+1:], ""
		} else if i := strings.LastIndex(path, ":"); i > strings.LastIndex(path, "/") {
			repoName, tag = path[:i], path[i+1:]
		}
		found := false
		if reg, ok := st.Regions[region]; ok {
			if repo, ok := reg.Repositories[repoName]; ok {
				for _, img := range repo.Images {
					if (digest != "" && img.Digest == digest) || (tag != "" && slices.Contains(img.Tags, tag)) {
						found = true
					}
				}
			}
		}
		if !found {
			return fmt.Sprintf("CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref %s: %s: not found", cd.Image, cd.Image)
		}
	}
	return ""
}

func lastPartAfter(s, sep string) string {
	if i := strings.Index(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// failureThreshold is the circuit breaker's: half the desired count, at least 3, at most 200.
func failureThreshold(desired int32) int32 {
	return min(max((desired+1)/2, 3), 200)
}

// taskFailed counts a task that failed to start against its deployment: the circuit breaker
// fails the deployment (and rolls back) at the threshold; otherwise relaunches back off.
func (s *ecsState) taskFailed(svc *ecsService, task *ecsTask, t time.Time) {
	d := svc.deployment(task.DeploymentID)
	if d == nil {
		return
	}
	d.FailedTasks++
	d.UpdatedAt = t
	threshold := failureThreshold(svc.DesiredCount)
	if d.FailedTasks == threshold {
		svc.event(t, "is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
	}
	cb := svc.circuitBreaker()
	if d.Status == "PRIMARY" && d.Rollout == "IN_PROGRESS" && cb.Enable && d.FailedTasks >= threshold {
		d.Rollout, d.RolloutReason = "FAILED", "ECS deployment circuit breaker: tasks failed to start."
		svc.event(t, "(deployment %s) deployment failed: tasks failed to start.", d.ID)
		if prev := svc.LastCompleted; cb.Rollback && prev != nil {
			svc.TaskDefinition, svc.Network = prev.TaskDefinition, prev.Network
			nd := svc.newDeployment(s.sim, t)
			nd.RolloutReason = "ECS deployment circuit breaker: rolling back to deploymentId " + prev.ID + "."
			svc.event(t, "(deployment %s) deployment failed: rolling back to deployment %s.", d.ID, prev.ID)
		}
		return
	}
	base := max(s.sim.Delay(LatencyECSTaskStart), time.Second)
	d.NextLaunchAt = t.Add(min(base<<min(d.FailedTasks-1, 5), 15*time.Minute))
}

// reconcile is the service scheduler at time t: launch or stop tasks of the PRIMARY
// deployment toward the desired count, drain older deployments once the PRIMARY one runs,
// complete the rollout after the steady-state latency, drain a deleted service, and keep the
// load balancer targets equal to the RUNNING tasks.
func (s *ecsState) reconcile(region string, r *ecsRegion, svc *ecsService, t time.Time) {
	if t.After(svc.LastReconciled) {
		defer func() { svc.LastReconciled = t }()
	}
	if svc.Status == "INACTIVE" {
		return
	}
	// Tasks that started running by t are targets before their health is looked at.
	s.syncTargets(region, r, svc, t)
	defer s.syncTargets(region, r, svc, t)
	s.replaceUnhealthy(region, r, svc, t)
	tasks := r.serviceTasks(svc)
	live := map[string][]*ecsTask{}
	stopping := 0
	for _, task := range tasks {
		switch task.State {
		case "PENDING", "RUNNING":
			live[task.DeploymentID] = append(live[task.DeploymentID], task)
		case "STOPPING":
			stopping++
		}
	}
	primary := svc.Deployments[0]
	if svc.Status == "DRAINING" {
		var stopped []string
		for _, d := range svc.Deployments {
			for _, task := range live[d.ID] {
				s.stopTask(region, task, t, "Scaling activity initiated by (deployment "+d.ID+")")
				stopped = append(stopped, "(task "+task.ID+")")
				stopping++
			}
		}
		if len(stopped) > 0 {
			svc.event(t, "has stopped %d running tasks: %s.", len(stopped), strings.Join(stopped, " "))
		}
		if stopping == 0 && !t.Before(svc.DrainUntil) {
			svc.Status = "INACTIVE"
			svc.GoneAt = t.Add(s.sim.Delay(LatencyECSRetained))
		}
		return
	}
	want := int(svc.DesiredCount)
	mine := live[primary.ID]
	switch {
	case primary.Rollout == "FAILED":
	case svc.LaunchType != "FARGATE":
		if want > 0 && !primary.Unplaceable {
			primary.Unplaceable = true
			svc.event(t, "was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster.")
		}
	case len(mine) < want && !t.Before(primary.NextLaunchAt):
		var started []string
		for range want - len(mine) {
			task := s.launch(region, r, svc, primary, t)
			if task == nil {
				break
			}
			started = append(started, "(task "+task.ID+")")
		}
		if len(started) > 0 {
			svc.event(t, "has started %d tasks: %s.", len(started), strings.Join(started, " "))
		}
	case len(mine) > want:
		// Scale in: PENDING tasks go first, then the newest.
		slices.SortStableFunc(mine, func(a, b *ecsTask) int {
			if (a.State == "PENDING") != (b.State == "PENDING") {
				if a.State == "PENDING" {
					return -1
				}
				return 1
			}
			return b.CreatedAt.Compare(a.CreatedAt)
		})
		var stopped []string
		for _, task := range mine[:len(mine)-want] {
			s.stopTask(region, task, t, "Scaling activity initiated by (deployment "+primary.ID+")")
			stopped = append(stopped, "(task "+task.ID+")")
		}
		svc.event(t, "has stopped %d running tasks: %s.", len(stopped), strings.Join(stopped, " "))
	}
	// Older deployments drain, and the rollout completes, once the PRIMARY deployment's
	// tasks all run and pass their load balancer health checks.
	pending, _ := r.taskCounts(svc, primary.ID)
	running := s.healthyTasks(region, r, svc, primary.ID, t)
	if running == want && pending == 0 {
		var stopped []string
		for _, d := range svc.Deployments[1:] {
			for _, task := range live[d.ID] {
				s.stopTask(region, task, t, "Scaling activity initiated by (deployment "+primary.ID+")")
				stopped = append(stopped, "(task "+task.ID+")")
			}
		}
		if len(stopped) > 0 {
			svc.event(t, "has stopped %d running tasks: %s.", len(stopped), strings.Join(stopped, " "))
		}
	}
	// An older deployment leaves the list once its last task has stopped.
	svc.Deployments = slices.DeleteFunc(svc.Deployments, func(d *ecsDeployment) bool {
		if d == primary {
			return false
		}
		for _, task := range r.serviceTasks(svc) {
			if task.DeploymentID == d.ID && task.State != "STOPPED" {
				return false
			}
		}
		return true
	})
	if primary.Rollout == "IN_PROGRESS" && len(svc.Deployments) == 1 && running == want && pending == 0 &&
		!t.Before(primary.SteadyAt) {
		primary.Rollout, primary.RolloutReason, primary.UpdatedAt = "COMPLETED", "ECS deployment "+primary.ID+" completed.", t
		done := *primary
		svc.LastCompleted = &done
		svc.event(t, "(deployment %s) deployment completed.", primary.ID)
		svc.event(t, "has reached a steady state.")
	}
}

// launch starts a task of a deployment in the next of its subnets that still exists.
func (s *ecsState) launch(region string, r *ecsRegion, svc *ecsService, d *ecsDeployment, t time.Time) *ecsTask {
	td, ok := r.TaskDefs[lastPartAfter(d.TaskDefinition, "task-definition/")]
	if !ok || d.Network == nil || d.Network.AwsvpcConfiguration == nil {
		return nil
	}
	cfg := d.Network.AwsvpcConfiguration
	ec2r := s.ec2Region(region)
	var sn *subnet
	for i := range cfg.Subnets {
		idx := (svc.NextSubnet + i) % len(cfg.Subnets)
		if found, ok := ec2r.Subnets[cfg.Subnets[idx]]; ok {
			sn, svc.NextSubnet = found, idx+1
			break
		}
	}
	if sn == nil {
		if !d.Unplaceable {
			d.Unplaceable = true
			svc.event(t, "was unable to place a task. Reason: none of the subnets %s exists.", strings.Join(cfg.Subnets, ", "))
		}
		d.NextLaunchAt = t.Add(time.Minute)
		return nil
	}
	var groups []string
	for _, g := range cfg.SecurityGroups {
		if _, ok := ec2r.SecurityGroups[g]; ok {
			groups = append(groups, g)
		}
	}
	attachment := ecsUUID()
	eni := ec2r.newENI(sn, "interface", "arn:aws:ecs:"+region+":"+Account+":attachment/"+attachment, groups)
	cl := r.Clusters[svc.ClusterName]
	id := ecsTaskID()
	task := &ecsTask{
		ID: id, ARN: strings.Replace(cl.ARN, ":cluster/", ":task/", 1) + "/" + id,
		ClusterName: svc.ClusterName, ServiceARN: svc.ARN, ServiceName: svc.Name, DeploymentID: d.ID,
		TaskDefARN: td.ARN, LaunchType: d.LaunchType, CPU: td.CPU, Memory: td.Memory,
		ENIID: eni.ID, AttachmentID: attachment, SubnetID: sn.ID, AZ: sn.AZ, PrivateIP: eni.PrivateIP,
		State: "PENDING", CreatedAt: t, ReadyAt: t.Add(s.sim.Delay(LatencyECSTaskStart)),
	}
	r.Tasks[id] = task
	return task
}

// syncTargets registers the service's RUNNING tasks in its target groups at t, each with
// the image of the container the group sends traffic to.
func (s *ecsState) syncTargets(region string, r *ecsRegion, svc *ecsService, t time.Time) {
	reg := s.targetRegistry()
	if reg == nil {
		return
	}
	var running []*ecsTask
	if svc.Status != "INACTIVE" {
		for _, task := range r.serviceTasks(svc) {
			if task.State == "RUNNING" {
				running = append(running, task)
			}
		}
	}
	slices.SortFunc(running, func(a, b *ecsTask) int { return strings.Compare(a.PrivateIP, b.PrivateIP) })
	var ips []string
	for _, task := range running {
		ips = append(ips, task.PrivateIP)
	}
	joined := strings.Join(ips, ",")
	want := map[string]string{} // target group ARN -> container
	for _, lb := range svc.LoadBalancers {
		want[lb.TargetGroupArn] = lb.ContainerName
	}
	for arn := range svc.Targets {
		if _, ok := want[arn]; !ok {
			reg.SetTargets(region, arn, svc.ARN, nil, t)
			delete(svc.Targets, arn)
		}
	}
	for _, arn := range slices.Sorted(maps.Keys(want)) {
		if cur, ok := svc.Targets[arn]; ok && cur == joined || !ok && joined == "" {
			continue
		}
		var targets []taskTarget
		for _, task := range running {
			targets = append(targets, taskTarget{IP: task.PrivateIP, Image: r.containerImage(task, want[arn])})
		}
		reg.SetTargets(region, arn, svc.ARN, targets, t)
		if svc.Targets == nil {
			svc.Targets = map[string]string{}
		}
		svc.Targets[arn] = joined
	}
}

// Task operations.

func (s *ecsState) listTasks(c *Call) (any, error) {
	var in struct {
		Cluster       string `json:"cluster"`
		Family        string `json:"family"`
		ServiceName   string `json:"serviceName"`
		StartedBy     string `json:"startedBy"`
		DesiredStatus string `json:"desiredStatus"`
		LaunchType    string `json:"launchType"`
		NextToken     string `json:"nextToken"`
		MaxResults    *int   `json:"maxResults"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	r := s.region(c)
	cl, err := r.cluster(c, in.Cluster)
	if err != nil {
		return nil, err
	}
	if in.ServiceName != "" {
		if svc, ok := cl.service(in.ServiceName); !ok || svc.Status == "INACTIVE" {
			return nil, ecsServiceNotFound()
		}
		in.ServiceName = lastPart(in.ServiceName)
	}
	desired := in.DesiredStatus
	if desired == "" {
		desired = "RUNNING"
	}
	var tasks []*ecsTask
	for _, t := range r.Tasks {
		if t.ClusterName != cl.Name || (in.ServiceName != "" && t.ServiceName != in.ServiceName) ||
			(in.LaunchType != "" && t.LaunchType != in.LaunchType) ||
			(in.StartedBy != "" && t.DeploymentID != in.StartedBy) ||
			(in.Family != "" && !strings.HasPrefix(lastPartAfter(t.TaskDefARN, "task-definition/"), in.Family+":")) ||
			t.desiredStatus() != desired {
			continue
		}
		tasks = append(tasks, t)
	}
	slices.SortFunc(tasks, func(a, b *ecsTask) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	arns := make([]string, 0, len(tasks))
	for _, t := range tasks {
		arns = append(arns, t.ARN)
	}
	page, next, err := s.ecsPaginate(arns, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return ecsPage("taskArns", page, next), nil
}

func (t *ecsTask) desiredStatus() string {
	if t.State == "PENDING" || t.State == "RUNNING" {
		return "RUNNING"
	}
	return "STOPPED"
}

// lastStatus is the task lifecycle state AWS reports.
func (t *ecsTask) lastStatus() string {
	if t.State == "STOPPING" {
		return "DEPROVISIONING"
	}
	return t.State
}

type ecsTaskOut struct {
	Attachments       []map[string]any `json:"attachments"`
	AvailabilityZone  string           `json:"availabilityZone"`
	ClusterArn        string           `json:"clusterArn"`
	Connectivity      string           `json:"connectivity,omitempty"`
	Containers        []map[string]any `json:"containers"`
	CPU               string           `json:"cpu,omitempty"`
	Memory            string           `json:"memory,omitempty"`
	CreatedAt         EpochSeconds     `json:"createdAt"`
	DesiredStatus     string           `json:"desiredStatus"`
	LastStatus        string           `json:"lastStatus"`
	Group             string           `json:"group"`
	HealthStatus      string           `json:"healthStatus"`
	LaunchType        string           `json:"launchType"`
	PlatformVersion   string           `json:"platformVersion,omitempty"`
	PlatformFamily    string           `json:"platformFamily,omitempty"`
	StartedAt         *EpochSeconds    `json:"startedAt,omitempty"`
	StartedBy         string           `json:"startedBy"`
	StoppingAt        *EpochSeconds    `json:"stoppingAt,omitempty"`
	StoppedAt         *EpochSeconds    `json:"stoppedAt,omitempty"`
	StopCode          string           `json:"stopCode,omitempty"`
	StoppedReason     string           `json:"stoppedReason,omitempty"`
	TaskArn           string           `json:"taskArn"`
	TaskDefinitionArn string           `json:"taskDefinitionArn"`
	Version           int              `json:"version"`
	Tags              []ecsTag         `json:"tags,omitempty"`
}

func epochPtr(t time.Time) *EpochSeconds {
	if t.IsZero() {
		return nil
	}
	e := EpochSeconds(t)
	return &e
}

func (r *ecsRegion) taskOut(t *ecsTask, clusterARN string, tags bool) ecsTaskOut {
	attachStatus := map[string]string{"PENDING": "ATTACHED", "RUNNING": "ATTACHED", "STOPPING": "DELETING", "STOPPED": "DELETED"}[t.State]
	out := ecsTaskOut{
		Attachments: []map[string]any{{
			"id": t.AttachmentID, "type": "ElasticNetworkInterface", "status": attachStatus,
			"details": []ecsKV{{Name: "subnetId", Value: t.SubnetID}, {Name: "networkInterfaceId", Value: t.ENIID},
				{Name: "privateIPv4Address", Value: t.PrivateIP}},
		}},
		AvailabilityZone: t.AZ, ClusterArn: clusterARN, CPU: t.CPU, Memory: t.Memory,
		CreatedAt: EpochSeconds(t.CreatedAt), DesiredStatus: t.desiredStatus(), LastStatus: t.lastStatus(),
		Group: "service:" + t.ServiceName, HealthStatus: "UNKNOWN", LaunchType: t.LaunchType,
		StartedAt: epochPtr(t.StartedAt), StartedBy: t.DeploymentID, StoppingAt: epochPtr(t.StoppingAt),
		StoppedAt: epochPtr(t.StoppedAt), StopCode: t.StopCode, StoppedReason: t.StoppedReason,
		TaskArn: t.ARN, TaskDefinitionArn: t.TaskDefARN, Version: 1, Containers: []map[string]any{},
	}
	if t.State == "RUNNING" {
		out.Connectivity = "CONNECTED"
	}
	if t.LaunchType == "FARGATE" {
		out.PlatformVersion, out.PlatformFamily = "1.4.0", "Linux"
	}
	if td, ok := r.TaskDefs[lastPartAfter(t.TaskDefARN, "task-definition/")]; ok {
		for _, cd := range td.containers() {
			ct := map[string]any{
				"containerArn": strings.Replace(clusterARN, ":cluster/", ":container/", 1) + "/" + t.ID + "/" + cd.Name,
				"taskArn":      t.ARN, "name": cd.Name, "image": cd.Image, "lastStatus": t.lastStatus(),
				"networkInterfaces": []map[string]string{{"attachmentId": t.AttachmentID, "privateIpv4Address": t.PrivateIP}},
			}
			if t.ContainerReason != "" {
				ct["reason"] = t.ContainerReason
			}
			out.Containers = append(out.Containers, ct)
		}
	}
	if tags {
		out.Tags = ecsTagList(t.Tags)
	}
	return out
}

func (s *ecsState) describeTasks(c *Call) (any, error) {
	var in struct {
		Cluster string   `json:"cluster"`
		Tasks   []string `json:"tasks"`
		Include []string `json:"include"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if len(in.Tasks) == 0 {
		return nil, ecsInvalid("Tasks cannot be empty.")
	}
	if len(in.Tasks) > 100 {
		return nil, ecsInvalid("tasks can have at most 100 items.")
	}
	r := s.region(c)
	cl, err := r.cluster(c, in.Cluster)
	if err != nil {
		return nil, err
	}
	tasks, failures := []ecsTaskOut{}, []ecsFailure{}
	for _, ref := range in.Tasks {
		t, ok := r.Tasks[lastPart(ref)]
		if !ok || t.ClusterName != cl.Name {
			arn := ref
			if !strings.HasPrefix(ref, "arn:") {
				arn = strings.Replace(cl.ARN, ":cluster/", ":task/", 1) + "/" + ref
			}
			failures = append(failures, ecsFailure{Arn: arn, Reason: "MISSING"})
			continue
		}
		tasks = append(tasks, r.taskOut(t, cl.ARN, slices.Contains(in.Include, "TAGS")))
	}
	return map[string]any{"tasks": tasks, "failures": failures}, nil
}
