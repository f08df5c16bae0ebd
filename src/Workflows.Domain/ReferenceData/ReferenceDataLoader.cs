using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Workflows.Domain.ReferenceData;

/// <summary>
/// Loads the handbooks' attachment tables (docs/reference-data.md) from the CSV files embedded in this assembly into the
/// reference tables. Every load replaces the tables' contents in one transaction, with row ids numbered in file order,
/// so loading twice leaves exactly the same rows.
/// </summary>
public static class ReferenceDataLoader
{
    /// <summary><see cref="ListedDrug.Source"/> / <see cref="PharmacyCity.Source"/> of the 太平洋健康 (breast cancer) handbook.</summary>
    public const string Cpic = "CPIC";
    /// <summary><see cref="ListedDrug.Source"/> / <see cref="PharmacyCity.Source"/> of the 京东安联 (specialty drugs) handbook.</summary>
    public const string Jd = "JD";

    /// <summary>CPIC 附件3 (1) list codes (<see cref="ListedDrug.List"/>), and the JD list's.</summary>
    public const string ShanghaiNewInnovative = "shanghai_new_innovative";
    public const string OtherDomesticApproved = "other_domestic_approved";
    public const string SpecialLicensedImport = "special_licensed_import";
    public const string JdList = "jd";
    public const string JdListName = "京东安联特药清单";

    internal const string GreenChannelFile = "cpic-green-channel-hospitals.csv";
    internal const string EscortFile = "cpic-escort-cities.csv";
    internal const string CpicDrugFile = "cpic-drug-lists.csv";
    internal const string JdDrugFile = "jd-drug-list.csv";
    internal const string CpicPharmacyFile = "cpic-pharmacies.csv";
    internal const string JdPharmacyFile = "jd-pharmacy-cities.csv";
    internal const string JdHospitalFile = "jd-designated-hospitals.csv";

    /// <summary>Replaces the reference tables with the embedded CSVs, in one transaction; returns what the tables now hold.</summary>
    public static Task<ReferenceCounts> LoadAsync(DomainDbContext db, CancellationToken ct = default) =>
        LoadAsync(db, ReadEmbedded, ct);

    /// <summary>As <see cref="LoadAsync(DomainDbContext, CancellationToken)"/>, reading each file's text from <paramref name="readFile"/> (tests).</summary>
    internal static async Task<ReferenceCounts> LoadAsync(DomainDbContext db, Func<string, string> readFile, CancellationToken ct)
    {
        // Everything is parsed and checked before the database is touched: a bad file changes nothing.
        var rows = Read(readFile);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.GreenChannelHospitals.ExecuteDeleteAsync(ct);
        await db.EscortCities.ExecuteDeleteAsync(ct);
        await db.Drugs.ExecuteDeleteAsync(ct);
        await db.PharmacyCities.ExecuteDeleteAsync(ct);
        await db.DesignatedHospitals.ExecuteDeleteAsync(ct);

        db.GreenChannelHospitals.AddRange(rows.GreenChannelHospitals);
        db.EscortCities.AddRange(rows.EscortCities);
        db.Drugs.AddRange(rows.Drugs);
        db.PharmacyCities.AddRange(rows.PharmacyCities);
        db.DesignatedHospitals.AddRange(rows.DesignatedHospitals);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        await AdvanceIdentitiesAsync(db, ct);

        var counts = await CountAsync(db, ct);
        await tx.CommitAsync(ct);
        return counts;
    }

    /// <summary>
    /// The rows are loaded with their own stable ids. SQLite's next id follows the largest one by itself; a PostgreSQL
    /// identity column does not (its sequence stays where it was), so the next row added without an id (a hand edit, a
    /// later insert) would collide with id 1. On PostgreSQL each table's sequence is moved past its largest id.
    /// </summary>
    private static async Task AdvanceIdentitiesAsync(DomainDbContext db, CancellationToken ct)
    {
        if (db.Database.ProviderName != "Npgsql.EntityFrameworkCore.PostgreSQL") return;
        foreach (var type in new[] { typeof(GreenChannelHospital), typeof(EscortCity), typeof(ListedDrug), typeof(PharmacyCity), typeof(DesignatedHospital) })
        {
            var table = db.Model.FindEntityType(type)!.GetTableName()!;
            // Names come from the model, not from input.
#pragma warning disable EF1002
            await db.Database.ExecuteSqlRawAsync(
                $"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'Id'), COALESCE((SELECT MAX(\"Id\") FROM \"{table}\"), 0) + 1, false)", ct);
#pragma warning restore EF1002
        }
    }

    /// <summary>Counts what the reference tables hold now.</summary>
    public static async Task<ReferenceCounts> CountAsync(DomainDbContext db, CancellationToken ct = default)
    {
        var drugs = await db.Drugs.AsNoTracking()
            .GroupBy(d => new { d.Source, d.List })
            .Select(g => new { g.Key.Source, g.Key.List, Count = g.Count() })
            .ToListAsync(ct);
        int Drugs(string source, string list) => drugs.Where(d => d.Source == source && d.List == list).Sum(d => d.Count);

        return new ReferenceCounts(
            GreenChannelHospitals: await db.GreenChannelHospitals.CountAsync(ct),
            EscortCities: await db.EscortCities.CountAsync(ct),
            CpicShanghaiNewInnovativeDrugs: Drugs(Cpic, ShanghaiNewInnovative),
            CpicOtherDomesticApprovedDrugs: Drugs(Cpic, OtherDomesticApproved),
            CpicSpecialLicensedImportDrugs: Drugs(Cpic, SpecialLicensedImport),
            JdDrugs: Drugs(Jd, JdList),
            CpicPharmacyCities: await db.PharmacyCities.CountAsync(p => p.Source == Cpic, ct),
            CpicPharmacies: await db.PharmacyCities.Where(p => p.Source == Cpic).SumAsync(p => p.PharmacyCount ?? 0, ct),
            JdPharmacyCities: await db.PharmacyCities.CountAsync(p => p.Source == Jd, ct),
            JdDesignatedHospitals: await db.DesignatedHospitals.CountAsync(ct));
    }

    internal sealed record Rows(
        List<GreenChannelHospital> GreenChannelHospitals,
        List<EscortCity> EscortCities,
        List<ListedDrug> Drugs,
        List<PharmacyCity> PharmacyCities,
        List<DesignatedHospital> DesignatedHospitals);

    /// <summary>Parses all seven files into entities (ids numbered in file order per table); throws naming the file on any problem.</summary>
    internal static Rows Read(Func<string, string> readFile)
    {
        CsvTable Open(string file) => CsvTable.Parse(file, readFile(file));

        var green = Open(GreenChannelFile).Map(["province", "city", "hospital", "note"], r => new GreenChannelHospital
        {
            Province = r.Required("province"), City = r.Required("city"), Hospital = r.Required("hospital"),
            NameKey = Names.Key(r["hospital"]), Note = r.Optional("note"),
        });
        Number(green, (x, id) => x.Id = id);

        var escort = Open(EscortFile).Map(["province", "city", "note"], r => new EscortCity
        {
            Province = r.Required("province"), City = r.Required("city"), CityKey = Names.CityKey(r["city"]), Note = r.Optional("note"),
        });
        Number(escort, (x, id) => x.Id = id);

        string[] cpicLists = [ShanghaiNewInnovative, OtherDomesticApproved, SpecialLicensedImport];
        var drugs = Open(CpicDrugFile).Map(
            ["list_code", "list", "seq", "brand_name", "generic_name", "manufacturer", "indication", "note"], r =>
            {
                var list = r.Required("list_code");
                if (!cpicLists.Contains(list))
                    throw r.Error($"unknown list_code '{list}' (expected one of {string.Join(", ", cpicLists)})");
                return new ListedDrug
                {
                    Source = Cpic, List = list, ListName = r.Required("list"), Seq = r.Int("seq"),
                    BrandName = r.Optional("brand_name"), GenericName = r.Required("generic_name"),
                    GenericKey = Names.Key(r["generic_name"]), Manufacturer = r.Optional("manufacturer"),
                    Indication = r.Optional("indication"), Note = r.Optional("note"),
                };
            });
        drugs.AddRange(Open(JdDrugFile).Map(
            ["seq", "brand_name", "generic_name", "manufacturer", "cancer_types", "note"], r => new ListedDrug
            {
                Source = Jd, List = JdList, ListName = JdListName, Seq = r.Int("seq"),
                BrandName = r.Optional("brand_name"), GenericName = r.Required("generic_name"),
                GenericKey = Names.Key(r["generic_name"]), Manufacturer = r.Optional("manufacturer"),
                Indication = r.Optional("cancer_types"), Note = r.Optional("note"),
            }));
        Number(drugs, (x, id) => x.Id = id);

        var pharmacies = Open(CpicPharmacyFile).Map(
            ["province", "city", "pharmacy_count", "example_dtp_pharmacy", "note"], r => new PharmacyCity
            {
                Source = Cpic, Province = r.Required("province"), City = r.Required("city"), CityKey = Names.CityKey(r["city"]),
                PharmacyCount = r.Int("pharmacy_count") ?? throw r.Error("column 'pharmacy_count' is empty"), ExamplePharmacy = r.Optional("example_dtp_pharmacy"),
                Note = r.Optional("note"),
            });
        pharmacies.AddRange(Open(JdPharmacyFile).Map(["province", "city", "note"], r => new PharmacyCity
        {
            Source = Jd, Province = r.Required("province"), City = r.Required("city"), CityKey = Names.CityKey(r["city"]),
            Note = r.Optional("note"),
        }));
        Number(pharmacies, (x, id) => x.Id = id);

        var designated = Open(JdHospitalFile).Map(["province", "city", "hospital", "note"], r => new DesignatedHospital
        {
            Province = r.Required("province"), City = r.Required("city"), Hospital = r.Required("hospital"),
            NameKey = Names.Key(r["hospital"]), Note = r.Optional("note"),
        });
        Number(designated, (x, id) => x.Id = id);

        return new Rows(green, escort, drugs, pharmacies, designated);
    }

    private static void Number<T>(List<T> rows, Action<T, int> setId)
    {
        for (var i = 0; i < rows.Count; i++) setId(rows[i], i + 1);
    }

    /// <summary>The text of an embedded CSV (resource <c>ReferenceData.&lt;file&gt;</c>).</summary>
    internal static string ReadEmbedded(string file)
    {
        var name = "ReferenceData." + file;
        using var stream = typeof(ReferenceDataLoader).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Reference data file '{file}' is not embedded (resource '{name}').");
        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// RFC 4180 records: comma-separated, a field may be quoted, <c>""</c> inside quotes is one quote, quoted fields may
    /// hold commas and line breaks. Accepts CRLF, LF or CR line ends and a leading BOM; skips blank lines.
    /// Each record comes with the 1-based line its text starts on.
    /// </summary>
    internal static IReadOnlyList<(int Line, string[] Fields)> ParseCsv(string text)
    {
        var records = new List<(int, string[])>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        var line = 1;
        var recordLine = 1;
        var quoted = false;      // inside a quoted field
        var wasQuoted = false;   // the current field was quoted (so an empty one is still a field)
        var wasQuotedRecord = false;

        void EndField()
        {
            fields.Add(field.ToString());
            field.Clear();
            wasQuoted = false;
        }

        void EndRecord()
        {
            EndField();
            // A blank line is no record (but a line holding just "" is one empty field).
            if (!(fields.Count == 1 && fields[0].Length == 0 && !wasQuotedRecord))
                records.Add((recordLine, fields.ToArray()));
            fields.Clear();
            wasQuotedRecord = false;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n' || (c == '\r' && !(i + 1 < text.Length && text[i + 1] == '\n'))) line++;
                    field.Append(c);
                }
                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0 && !wasQuoted:
                    quoted = wasQuoted = wasQuotedRecord = true;
                    break;
                case '"':
                    throw new CsvFormatException(line, "a quote inside an unquoted field (quote the whole field and double the quote)", "未加引号的字段中出现了英文双引号（请用双引号括起整个字段，并把其中的双引号写两次）。");
                case ',':
                    EndField();
                    break;
                case '\r' or '\n':
                    if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                    EndRecord();
                    line++;
                    recordLine = line;
                    break;
                default:
                    if (wasQuoted)
                        throw new CsvFormatException(line, "text after the closing quote of a quoted field", "带引号的字段在结束引号之后还有内容。");
                    field.Append(c);
                    break;
            }
        }

        if (quoted) throw new CsvFormatException(recordLine, "a quoted field is not closed before the end of the file", "带引号的字段直到文件末尾都没有结束引号。");
        if (field.Length > 0 || fields.Count > 0 || wasQuotedRecord) EndRecord();
        return records;
    }

    /// <summary>One CSV file: its header and records, with errors that name the file, line and column.</summary>
    internal sealed class CsvTable
    {
        private readonly string _file;
        private readonly string[] _header;
        private readonly IReadOnlyList<(int Line, string[] Fields)> _records;

        private CsvTable(string file, string[] header, IReadOnlyList<(int, string[])> records) =>
            (_file, _header, _records) = (file, header, records);

        public static CsvTable Parse(string file, string text)
        {
            IReadOnlyList<(int Line, string[] Fields)> all;
            try { all = ParseCsv(text); }
            catch (FormatException e) { throw new InvalidDataException($"Reference data file '{file}' {e.Message}.", e); }
            if (all.Count == 0) throw new InvalidDataException($"Reference data file '{file}' is empty (no header row).");
            var header = all[0].Fields.Select(h => h.Trim()).ToArray();
            foreach (var (line, fields) in all.Skip(1))
                if (fields.Length != header.Length)
                    throw new InvalidDataException(
                        $"Reference data file '{file}' line {line}: {fields.Length} fields, but the header has {header.Length}.");
            return new CsvTable(file, header, all.Skip(1).ToList());
        }

        /// <summary>Maps every record; first checks that each of <paramref name="columns"/> is in the header.</summary>
        public List<T> Map<T>(string[] columns, Func<Row, T> map)
        {
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var column in columns)
            {
                var at = Array.IndexOf(_header, column);
                if (at < 0)
                    throw new InvalidDataException(
                        $"Reference data file '{_file}' has no column '{column}' (header: {string.Join(",", _header)}).");
                index[column] = at;
            }
            return _records.Select(r => map(new Row(_file, r.Line, r.Fields, index))).ToList();
        }
    }

    internal readonly struct Row(string file, int line, string[] fields, Dictionary<string, int> index)
    {
        /// <summary>The column's value, verbatim (may be empty).</summary>
        public string this[string column] => fields[index[column]];

        public string? Optional(string column) => string.IsNullOrWhiteSpace(this[column]) ? null : this[column];

        public string Required(string column) =>
            string.IsNullOrWhiteSpace(this[column]) ? throw Error($"column '{column}' is empty") : this[column];

        public int? Int(string column)
        {
            var v = this[column].Trim();
            if (v.Length == 0) return null;
            return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw Error($"column '{column}' is not a whole number: '{v}'");
        }

        public InvalidDataException Error(string problem) =>
            new($"Reference data file '{file}' line {line}: {problem}.");
    }
}

/// <summary>How many rows each reference table (and each drug list) holds; the numbers docs/reference-data.md states.</summary>
public sealed record ReferenceCounts(
    int GreenChannelHospitals,
    int EscortCities,
    int CpicShanghaiNewInnovativeDrugs,
    int CpicOtherDomesticApprovedDrugs,
    int CpicSpecialLicensedImportDrugs,
    int JdDrugs,
    int CpicPharmacyCities,
    int CpicPharmacies,
    int JdPharmacyCities,
    int JdDesignatedHospitals)
{
    public int CpicDrugs => CpicShanghaiNewInnovativeDrugs + CpicOtherDomesticApprovedDrugs + CpicSpecialLicensedImportDrugs;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"green-channel hospitals {GreenChannelHospitals}, escort cities {EscortCities}, " +
        $"CPIC drugs {CpicDrugs} ({CpicShanghaiNewInnovativeDrugs} + {CpicOtherDomesticApprovedDrugs} + {CpicSpecialLicensedImportDrugs}), " +
        $"JD drugs {JdDrugs}, CPIC pharmacy cities {CpicPharmacyCities} ({CpicPharmacies:N0} pharmacies), " +
        $"JD pharmacy cities {JdPharmacyCities}, JD designated hospitals {JdDesignatedHospitals}");
}
