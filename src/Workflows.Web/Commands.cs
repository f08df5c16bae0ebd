using Workflows.Persistence.Stores;

namespace Workflows.Web;

/// <summary>Command-line operations run with the host's configuration instead of serving (e.g. <c>verify-journal &lt;instanceId&gt;…</c>).</summary>
public static class Commands
{
    /// <summary>Verifies the journal hash chain of the given instances (or all, with --all). Exit code 0 if every chain is intact, 2 otherwise.</summary>
    public static async Task<int> VerifyJournalAsync(WebApplication app, string[] ids)
    {
        var store = app.Services.GetRequiredService<SqliteWorkflowStore>();
        if (ids.Length == 0 || ids is ["--all"])
        {
            var db = app.Services.GetRequiredService<Workflows.Persistence.DatabaseOptions>();
            await using var c = db.Open();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT Id FROM WorkflowInstances ORDER BY CreatedAt";
            var all = new List<string>();
            await using (var r = await cmd.ExecuteReaderAsync())
                while (await r.ReadAsync()) all.Add(r.GetString(0));
            ids = all.ToArray();
        }
        var broken = 0;
        foreach (var id in ids)
        {
            var result = await store.VerifyJournalAsync(id);
            if (result.IsValid) Console.WriteLine($"OK      {id}  {result.EntryCount} entries");
            else
            {
                broken++;
                Console.WriteLine($"BROKEN  {id}  at entry {result.BrokenSequence}: {result.Reason}");
            }
        }
        Console.WriteLine($"{ids.Length - broken} intact, {broken} broken");
        return broken == 0 ? 0 : 2;
    }
}
