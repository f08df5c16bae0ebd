using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Domain.Migrations
{
    /// <inheritdoc />
    public partial class CocConsultationAnswers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AnswerProtected",
                table: "MemberConsultations",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "AnsweredAt",
                table: "MemberConsultations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AnsweredBy",
                table: "MemberConsultations",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AnswerProtected",
                table: "MemberConsultations");

            migrationBuilder.DropColumn(
                name: "AnsweredAt",
                table: "MemberConsultations");

            migrationBuilder.DropColumn(
                name: "AnsweredBy",
                table: "MemberConsultations");
        }
    }
}
