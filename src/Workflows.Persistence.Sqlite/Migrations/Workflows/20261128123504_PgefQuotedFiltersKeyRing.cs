using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PgefQuotedFiltersKeyRing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ScheduledWork_Open",
                table: "ScheduledWork");

            migrationBuilder.DropIndex(
                name: "IX_JournalEntries_BookmarkId",
                table: "JournalEntries");

            migrationBuilder.DropIndex(
                name: "IX_Bookmarks_DueTimers",
                table: "Bookmarks");

            migrationBuilder.DropIndex(
                name: "IX_Bookmarks_Events",
                table: "Bookmarks");

            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_IdNumberHash",
                table: "AspNetUsers");

            migrationBuilder.CreateTable(
                name: "DataProtectionKeys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FriendlyName = table.Column<string>(type: "TEXT", nullable: true),
                    Xml = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ScheduledWork_Open",
                table: "ScheduledWork",
                columns: new[] { "State", "DueAt" },
                filter: "\"State\" IN ('Pending','Scheduled','Queued')");

            migrationBuilder.CreateIndex(
                name: "IX_JournalEntries_BookmarkId",
                table: "JournalEntries",
                column: "BookmarkId",
                filter: "\"BookmarkId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Bookmarks_DueTimers",
                table: "Bookmarks",
                column: "ResumeAt",
                filter: "\"Kind\" = 'Timer'");

            migrationBuilder.CreateIndex(
                name: "IX_Bookmarks_Events",
                table: "Bookmarks",
                columns: new[] { "Name", "CorrelationKey" },
                filter: "\"Kind\" = 'Event'");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_IdNumberHash",
                table: "AspNetUsers",
                column: "IdNumberHash",
                unique: true,
                filter: "\"IdNumberHash\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DataProtectionKeys");

            migrationBuilder.DropIndex(
                name: "IX_ScheduledWork_Open",
                table: "ScheduledWork");

            migrationBuilder.DropIndex(
                name: "IX_JournalEntries_BookmarkId",
                table: "JournalEntries");

            migrationBuilder.DropIndex(
                name: "IX_Bookmarks_DueTimers",
                table: "Bookmarks");

            migrationBuilder.DropIndex(
                name: "IX_Bookmarks_Events",
                table: "Bookmarks");

            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_IdNumberHash",
                table: "AspNetUsers");

            migrationBuilder.CreateIndex(
                name: "IX_ScheduledWork_Open",
                table: "ScheduledWork",
                columns: new[] { "State", "DueAt" },
                filter: "State IN ('Pending','Scheduled','Queued')");

            migrationBuilder.CreateIndex(
                name: "IX_JournalEntries_BookmarkId",
                table: "JournalEntries",
                column: "BookmarkId",
                filter: "BookmarkId IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Bookmarks_DueTimers",
                table: "Bookmarks",
                column: "ResumeAt",
                filter: "Kind = 'Timer'");

            migrationBuilder.CreateIndex(
                name: "IX_Bookmarks_Events",
                table: "Bookmarks",
                columns: new[] { "Name", "CorrelationKey" },
                filter: "Kind = 'Event'");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_IdNumberHash",
                table: "AspNetUsers",
                column: "IdNumberHash",
                unique: true,
                filter: "IdNumberHash IS NOT NULL");
        }
    }
}
