import { GatewayMetrics } from '../../src/observability/GatewayMetrics';

describe('Sync bridge metrics', () => {
  it('counts deliveries, dead letters and lag per connector, and reads the backlog at a scrape', async () => {
    const metrics = new GatewayMetrics(() => []);
    let backlog: Record<string, number> = { 'thanh-hoa-motcua': 7 };
    metrics.syncBacklog(async () => backlog);
    metrics.syncDelivered('thanh-hoa-motcua', 2.5);
    metrics.syncDelivered('thanh-hoa-motcua', 0.2);
    metrics.syncDeadLettered('bo-noi-vu-dvc');
    const text = (await metrics.exposition()).body;
    expect(text).toContain('dvcgw_sync_delivered_total{connector="thanh-hoa-motcua"} 2');
    expect(text).toContain('dvcgw_sync_dead_letters_total{connector="bo-noi-vu-dvc"} 1');
    expect(text).toContain(
      'dvcgw_sync_lag_seconds_bucket{le="0.5",connector="thanh-hoa-motcua"} 1',
    );
    expect(text).toContain('dvcgw_sync_lag_seconds_count{connector="thanh-hoa-motcua"} 2');
    expect(text).toContain('dvcgw_sync_backlog{connector="thanh-hoa-motcua"} 7');
    backlog = {};
    expect((await metrics.exposition()).body).not.toContain('dvcgw_sync_backlog{');
  });
});
