using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ScheduledWork : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ScheduledWork",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    Key = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PayloadJson = table.Column<string>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", nullable: true),
                    Result = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DoneAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScheduledWork", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ScheduledWork_Key",
                table: "ScheduledWork",
                column: "Key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ScheduledWork_Kind_DoneAt",
                table: "ScheduledWork",
                columns: new[] { "Kind", "DoneAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ScheduledWork_Open",
                table: "ScheduledWork",
                columns: new[] { "State", "DueAt" },
                filter: "State IN ('Pending','Scheduled','Queued')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ScheduledWork");
        }
    }
}
