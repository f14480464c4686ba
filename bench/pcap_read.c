/* bench_pcap_read: the raw libpcap anchor of bench/run. Reads a capture
 * with pcap_next_ex and touches every packet (its length and one byte, so
 * the data is really faulted in), and nothing else: the upper bound any
 * libpcap-based reassembler can reach on the same file. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bench_pcap_read FILE\n");
    return 2;
  }
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* pcap = pcap_open_offline(argv[1], errbuf);
  if (pcap == NULL) {
    fprintf(stderr, "bench_pcap_read: %s\n", errbuf);
    return 1;
  }
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t wire_bytes = 0;
  uint64_t checksum = 0;
  struct pcap_pkthdr* header = NULL;
  const u_char* data = NULL;
  int status = 0;
  while ((status = pcap_next_ex(pcap, &header, &data)) == 1) {
    ++packets;
    bytes += header->caplen;
    wire_bytes += header->len;
    /* The last byte is the one furthest into the record: reading it makes
     * the loop pay for bringing the packet into cache like a parser would. */
    if (header->caplen != 0) checksum += data[header->caplen - 1];
  }
  int failed = status == PCAP_ERROR;
  if (failed) fprintf(stderr, "bench_pcap_read: %s\n", pcap_geterr(pcap));
  pcap_close(pcap);
  printf("packets=%llu bytes=%llu wire_bytes=%llu checksum=%llu\n", (unsigned long long)packets,
         (unsigned long long)bytes, (unsigned long long)wire_bytes, (unsigned long long)checksum);
  return failed ? 1 : 0;
}
