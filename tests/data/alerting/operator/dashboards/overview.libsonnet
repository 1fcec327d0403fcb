local g = import 'github.com/grafana/grafonnet/gen/grafonnet-latest/main.libsonnet';

g.dashboard.new('Inventory overview')
+ g.dashboard.withPanels([g.panel.timeSeries.new('Requests')])
