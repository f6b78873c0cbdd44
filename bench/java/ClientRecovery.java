// Writes through several Java ZooKeeper clients at once and reports, per client, which server it
// was connected to when told "cut" on stdin and when its next write was acknowledged: how long a
// real client takes to recover from a leader that went silent, by session timeout. Compiled and run
// by bench/client-recovery.ts against the fetched release's jars (npm run zookeeper).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public class ClientRecovery {
  public static void main(String[] args) throws Exception {
    String hosts = args[0];
    int sessionTimeout = Integer.parseInt(args[1]);
    int clients = Integer.parseInt(args[2]);
    List<ZooKeeper> zks = new ArrayList<>();
    List<AtomicLong> lastAck = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      final int client = i;
      ZooKeeper zk = new ZooKeeper(hosts, sessionTimeout, event -> System.out.println("event " + client + " " + System.currentTimeMillis() + " " + event.getState()));
      zks.add(zk);
      AtomicLong ack = new AtomicLong();
      lastAck.add(ack);
      final int id = i;
      Thread writer = new Thread(() -> {
        while (true) {
          try {
            zk.create("/recovery/c" + id + "-", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL);
            long now = System.currentTimeMillis();
            ack.set(now);
            System.out.println("ack " + id + " " + now);
            Thread.sleep(20);
          } catch (KeeperException.NodeExistsException e) {
            // a retried sequential create: fine
          } catch (Exception e) {
            try { Thread.sleep(20); } catch (InterruptedException ignored) { return; }
          }
        }
      });
      writer.setDaemon(true);
      writer.start();
    }
    System.out.println("started");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.equals("where")) {
        // ZooKeeper.toString() names the server a client is connected to: "remoteserver:/ip:port".
        for (int i = 0; i < clients; i++) System.out.println("where " + i + " " + zks.get(i).toString().replaceAll("\\s+", " "));
        System.out.println("where-done");
      }
      if (line.equals("stop")) break;
    }
    System.exit(0);
  }
}
