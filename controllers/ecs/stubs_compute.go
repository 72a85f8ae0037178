package ecs

import "context"

// Placeholders while the compute side is written; replaced by role.go, loggroup.go,
// cluster.go, taskdefinition.go, service.go and autoscaling.go.

func (p *pass) reconcileExecutionRole(context.Context) error        { return nil }
func (p *pass) reconcileLogGroup(context.Context) error             { return nil }
func (p *pass) reconcileCluster(context.Context) error              { return nil }
func (p *pass) reconcileTaskDefinition(context.Context) error       { return nil }
func (p *pass) reconcileService(context.Context) error              { return nil }
func (p *pass) reconcileAutoscaling(context.Context) error          { return nil }
func (p *pass) deleteAutoscaling(context.Context) (bool, error)     { return true, nil }
func (p *pass) deleteService(context.Context) (bool, error)         { return true, nil }
func (p *pass) deleteCluster(context.Context) (bool, error)         { return true, nil }
func (p *pass) deleteTaskDefinitions(context.Context) (bool, error) { return true, nil }
func (p *pass) deleteLogGroup(context.Context) (bool, error)        { return true, nil }
func (p *pass) deleteExecutionRole(context.Context) (bool, error)   { return true, nil }
