using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class EvidenceSnapshotsAndHolds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "LegalHolds",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    SubjectKind = table.Column<string>(type: "TEXT", nullable: false),
                    SubjectId = table.Column<string>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: false),
                    PlacedBy = table.Column<string>(type: "TEXT", nullable: false),
                    PlacedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ReleasedBy = table.Column<string>(type: "TEXT", nullable: true),
                    ReleasedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ReleaseReason = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LegalHolds", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "StateSnapshots",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    InstanceId = table.Column<string>(type: "TEXT", nullable: false),
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    SubStatus = table.Column<string>(type: "TEXT", nullable: false),
                    VariablesJson = table.Column<string>(type: "TEXT", nullable: false),
                    Incident = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StateSnapshots", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_LegalHolds_SubjectKind_SubjectId",
                table: "LegalHolds",
                columns: new[] { "SubjectKind", "SubjectId" });

            migrationBuilder.CreateIndex(
                name: "IX_StateSnapshots_InstanceId_Sequence",
                table: "StateSnapshots",
                columns: new[] { "InstanceId", "Sequence" },
                unique: true);

            // Snapshots are evidence like the journal: never changed, never deleted. Holds are released, never deleted.
            migrationBuilder.Sql("CREATE TRIGGER StateSnapshots_NoUpdate BEFORE UPDATE ON StateSnapshots BEGIN SELECT RAISE(ABORT, 'StateSnapshots is append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER StateSnapshots_NoDelete BEFORE DELETE ON StateSnapshots BEGIN SELECT RAISE(ABORT, 'StateSnapshots is append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER LegalHolds_NoDelete BEFORE DELETE ON LegalHolds BEGIN SELECT RAISE(ABORT, 'LegalHolds are released, never deleted'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LegalHolds");

            migrationBuilder.DropTable(
                name: "StateSnapshots");
        }
    }
}
