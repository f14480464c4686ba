#include "tools/msnpgen/world.h"

namespace rcds::msnpgen {

std::unique_ptr<Link> World::connect(const Account& who, std::string_view kind,
                                     const Host& server) {
  const bool tunnel = who.via_gateway && (kind == "ds" || kind == "ns" || kind == "sb");
  // Through an HTTP proxy the gateway sees the proxy's address; the proxy
  // names itself (Via) and the client (X-Forwarded-For) in each request.
  const bool proxied = tunnel && !who.proxy_ip.empty();
  const Host client{proxied ? who.proxy_ip : who.ip, cap.ephemeral_port()};
  std::vector<std::string> proxy_headers;
  if (proxied) {
    proxy_headers = {"Via: 1.1 " + who.proxy_ip + ":3128 (squid/2.7.STABLE9)",
                     "X-Forwarded-For: " + who.ip};
  }
  std::unique_ptr<Link> link;
  if (tunnel) {
    link = std::make_unique<GatewayLink>(cap, client, gateway, kind == "sb" ? "SB" : "NS",
                                         server.address, proxy_headers, proxied);
  } else {
    link = std::make_unique<TcpLink>(cap, client, server);
  }
  link->id = cap.next_link_id();
  link->kind = std::string(kind);
  Json j = event("connection_open", *link, kClient, cap.now());
  j.str("role", kind);
  if (tunnel) {
    j.str("transport", "http_gateway").str("tunnel_to", server.address);
    j.str("gateway_session", static_cast<GatewayLink&>(*link).session_stable());
    // As the decoder reports it: the proxy headers joined by "; ".
    if (proxied) j.str("proxy", proxy_headers[0] + "; " + proxy_headers[1]);
  } else {
    j.str("transport", "tcp");
  }
  record(cap.now(), j);
  return link;
}

void World::close(Link& link, Side closer) {
  link.close(closer);
  Json j = event("connection_close", link, closer, cap.now());
  j.str("role", link.kind);
  record(cap.now(), j);
}

Json World::event(std::string_view name, const Link& link, Side from, int64_t time_us) const {
  Json j;
  j.str("scenario", scenario)
      .str("event", name)
      .num("time_us", time_us)
      .num("action", action_)
      .num("conn", link.id)
      .str("client", host_text(link.client))
      .str("server", host_text(link.server))
      .str("dir", from == kClient ? "c2s" : "s2c");
  return j;
}

}  // namespace rcds::msnpgen
